"""Every command line of mmlight: one module a tool, each with
``build_parser()`` and ``main(argv=None)``; the files under ``tools/`` only
call them. :mod:`.common` holds what the tools share (train/test argument
merging, the one-line error report of :func:`~.common.run_tool`).
"""
