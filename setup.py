"""Packaging is declared in pyproject.toml; this file only adds the `.mim`
folder that OpenMMLab tools expect (`mim train mmlight CONFIG`, and configs
inheriting `mmlight::...`): `configs/`, `tools/` and `model-index.yml`
are copied into `mmlight/.mim/` when the package is built, as mmaction2's
setup.py does (an editable install is not supported by mim or mmengine's
`pkg::config` lookup: they look for the package in site-packages)."""
import os
import os.path as osp
import shutil

from setuptools import setup

HERE = osp.dirname(osp.abspath(__file__))


def add_mim_extension() -> None:
    mim_root = osp.join(HERE, 'mmlight', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src, dst = osp.join(HERE, name), osp.join(mim_root, name)
        if not osp.exists(src):
            continue  # building from an sdist that already has .mim
        if osp.isdir(dst) and not osp.islink(dst):
            shutil.rmtree(dst)
        elif osp.lexists(dst):
            os.remove(dst)
        if osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


add_mim_extension()
setup()
