"""Every command line of mmlight, one module a tool.

The convention:

* ``mmlight/cli/<tool>.py`` holds ``build_parser() -> ArgumentParser`` and
  ``main(argv: Optional[Sequence[str]] = None) -> int`` (the exit status;
  ``argv`` defaults to ``sys.argv[1:]``), and nothing a library user would
  call: the work is done by the package the tool drives
  (:mod:`mmlight.reports`, :mod:`mmlight.deployment`, ...). Printing is the
  tool's, so the text a tool prints (e.g.
  :func:`.export_onnx.format_verify_report`) lives here too.
* ``tools/<group>/<tool>.py`` is a shim of a few lines: its usage
  docstring, the ``sys.path`` fallback for a checkout that is not
  installed, ``from mmlight.cli.<tool> import main`` and
  ``sys.exit(main())``. ``mim train mmlight`` runs the installed package's
  ``.mim/tools`` copies of the same shims.
* :mod:`.common` holds what the tools share: the ``--cfg-options``
  argument (:func:`~.common.add_cfg_options`), the one-line report of a
  user error (:func:`~.common.run_tool`, which ``train`` and ``test`` call
  inside their ``main``), the train/test argument merging, and where the
  shipped ``tools/`` and ``configs/`` are (:func:`~.common.shipped_dir`).
  Configs are read with :func:`mmlight.utils.load_config`, recognizers
  built with :func:`mmlight.deployment.recognizer.build_recognizer`.

The tools: ``train``, ``test`` (``tools/``); ``benchmark``,
``benchmark_cost`` (``tools/``); ``benchmark_distill``,
``benchmark_models``, ``cache_teacher_logits``, ``compression_report``,
``get_flops``, ``real_report``, ``report_accuracy``, ``stream_eval``,
``training_memory`` (``tools/analysis/``); ``convert_fall_dataset``,
``make_fall_stream``, ``synthfall`` (``tools/data/``); ``fall_detect``
(``tools/demo/``); ``export_onnx``, ``export_openvino``, ``test_onnx``
(``tools/deployment/``); ``extract_student``
(``tools/model_converters/``).
"""
__all__: list = []
