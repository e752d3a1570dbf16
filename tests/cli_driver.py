"""The CLI test driver shared by tests/test_cli.py and tests/test_faults_input.py.

A script run with ``python -c DRIVER``: it imports ``sim.__main__`` once (the slow part) and runs
``main()`` in a forked child per case read as JSON from stdin (``{"args": [...], "stderr": path}``),
then prints the exit statuses as JSON.
"""

DRIVER = r"""
import json, os, sys
cases = json.loads(sys.stdin.read())
import sim.__main__ as cli
codes = []
for case in cases:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            err = os.open(case["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            out = os.open(os.devnull, os.O_WRONLY)
            os.dup2(err, 2)
            os.dup2(out, 1)
            sys.argv = ["sim", *case["args"]]
            try:
                cli.main()
                code = 0
            except SystemExit as e:
                if isinstance(e.code, int) or e.code is None:
                    code = e.code or 0
                else:
                    print(e.code, file=sys.stderr)
            except BaseException:
                import traceback
                traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    codes.append(os.waitstatus_to_exitcode(status))
print(json.dumps(codes))
"""
