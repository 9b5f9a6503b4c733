"""Compression of a trained recognizer: structured and unstructured pruning
(:mod:`.pruning`), INT8 quantization (:mod:`.quantization`), the plain
student checkpoint of a distillation run (:mod:`.student_checkpoint`) and
the one optimizer rebinding after a model's parameters are replaced
(:mod:`.optimizer`). Pure modules: the hooks and loops of
:mod:`mmlight.engine` drive them from configs.
"""
