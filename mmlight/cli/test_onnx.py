"""``tools/deployment/test_onnx.py``: test an ONNX recognizer with ONNX
Runtime (an OpenVINO ``.xml`` with OpenVINO) as ``tools/test.py`` tests a
checkpoint (:func:`mmlight.deployment.evaluate_onnx`)."""
import argparse
from typing import Any, Dict, Optional, Sequence

from mmlight.cli.export_onnx import add_deploy_options

__all__ = ['build_parser', 'format_metrics', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Test an ONNX recognizer on a config\'s test split '
        'with ONNX Runtime (an OpenVINO .xml with OpenVINO)')
    parser.add_argument('config', help='config file the model came from')
    parser.add_argument('model', help='.onnx file (or OpenVINO .xml)')
    parser.add_argument('--dump', help='write predictions to this .pkl, as '
                        'tools/test.py --dump does')
    add_deploy_options(parser)
    return parser


def format_metrics(metrics: Dict[str, Any]) -> str:
    """Metrics one per line, as ``key: value``; arrays printed whole."""
    lines = []
    for key, value in metrics.items():
        if hasattr(value, 'tolist'):
            value = value.tolist()
        if isinstance(value, float):
            value = f'{value:.4f}'
        lines.append(f'{key}: {value}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Test; print the metrics (and where ``--dump`` wrote the predictions).

    Returns:
        int: 0. A missing model file raises ``FileNotFoundError`` naming
        it, before anything is built.
    """
    from mmlight.deployment import evaluate_onnx
    from mmlight.utils import load_config
    from mmlight.utils.checkpoint_io import check_file
    args = build_parser().parse_args(argv)
    check_file(args.model, 'ONNX or OpenVINO model')
    cfg = load_config(args.config, args.cfg_options)
    result = evaluate_onnx(cfg, args.model, num_threads=args.threads,
                           dump=args.dump, progress=True)
    print(format_metrics(result['metrics']))
    if args.dump:
        print(f'predictions written to {args.dump}')
    return 0
