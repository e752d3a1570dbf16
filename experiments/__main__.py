"""``python -m experiments experiment=<name>``: any experiment of ``conf/experiment/``.

Examples::

    python -m experiments                                  # warning_to_action (the default)
    python -m experiments experiment=early_vs_late
    python -m experiments experiment=unity
    python -m experiments experiment=sustainability
    python -m experiments experiment=warning_quality -m hydra/launcher=joblib
"""

from experiments.app import main

if __name__ == "__main__":
    main()
