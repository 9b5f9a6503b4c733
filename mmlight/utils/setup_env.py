"""Registration entry point that MMEngine's registries call by convention."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmlight component so it lands in the registries.

    MMEngine calls ``<scope>.utils.register_all_modules(False)`` when a config
    names ``default_scope='mmlight'`` but nothing imported mmlight yet.

    Args:
        init_default_scope (bool): Whether to make ``mmlight`` the current
            default scope (as MMAction2's function does). Defaults to True.
    """
    import mmlight  # noqa: F401  (applies compat, registers components)

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmlight', scope_name='mmlight')
    elif current.scope_name != 'mmlight':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmlight"; a new default scope "mmlight" is '
                      'created for `register_all_modules`.')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(f'mmlight-{stamp}', scope_name='mmlight')
