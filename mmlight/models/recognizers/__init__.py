from .exported_recognizer import ExportedRecognizer

__all__ = ['ExportedRecognizer']
