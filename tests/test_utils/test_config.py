"""The one config loader."""
import pytest

from mmlight.utils import load_config


def test_config_from_package_path_and_file():
    cfg = load_config('mmlight::fall_slowonly_r18_teacher.py')
    assert cfg.model.type == 'Recognizer3D'
    with pytest.raises(FileNotFoundError, match='nope.py'):
        load_config('mmlight::nope.py')
    with pytest.raises(FileNotFoundError, match='missing/cfg.py'):
        load_config('missing/cfg.py')


def test_config_syntax_error_names_the_file(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("_base_ = []\nx = (1,\n")
    with pytest.raises(SyntaxError) as info:
        load_config(str(bad))
    assert info.value.filename == str(bad) and info.value.lineno == 2
    assert str(bad) in str(info.value)


def test_syntax_error_in_a_base_config_names_the_base(tmp_path):
    (tmp_path / 'base.py').write_text('a = (1,\n')
    top = tmp_path / 'top.py'
    top.write_text("_base_ = ['./base.py']\nb = 2\n")
    with pytest.raises(SyntaxError) as info:
        load_config(str(top))
    assert info.value.filename == str(tmp_path / 'base.py')
    assert f'(a base of {top})' in str(info.value)
