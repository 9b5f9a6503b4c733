import pytest
from mmaction import registry as mmaction_registry
from mmengine.registry import DefaultScope, init_default_scope

from mmlight import registry


@pytest.mark.parametrize('name', registry.__all__)
def test_registries_are_children_of_mmaction(name):
    child = getattr(registry, name)
    assert child.scope == 'mmlight'
    assert child.parent is getattr(mmaction_registry, name)


def test_mmaction_types_resolve_through_the_parent():
    init_default_scope('mmlight')
    assert registry.MODELS.get('Recognizer2D').__module__.startswith(
        'mmaction')
    assert registry.DATASETS.get('CheckedVideoDataset').__module__ \
        .startswith('mmlight')
    assert registry.TRANSFORMS.get('SampleFrames') is not None


def test_register_all_modules_sets_scope():
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mmlight'
