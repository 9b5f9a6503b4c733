"""``load_from`` a checkpoint with another class count (SynthFall's 7
actions into a 2-class real-video model): the head keeps its fresh
initialisation, everything else is loaded, and the log says which keys
were not."""
import torch
from mmengine.runner import Runner

from mmlight.registry import MODELS


def test_head_reinitialised_rest_loaded_and_logged(tiny_tsm_config,
                                                   tmp_path, capfd):
    torch.manual_seed(0)
    seven = MODELS.build(dict(tiny_tsm_config, cls_head=dict(
        tiny_tsm_config['cls_head'], num_classes=7)))
    ckpt = str(tmp_path / 'synthfall.pth')
    torch.save({'meta': {}, 'state_dict': seven.state_dict()}, ckpt)

    torch.manual_seed(1)
    two = dict(tiny_tsm_config, cls_head=dict(tiny_tsm_config['cls_head'],
                                              num_classes=2))
    runner = Runner(model=two, work_dir=str(tmp_path / 'work'),
                    load_from=ckpt, default_scope='mmlight')
    fresh_head = {k: v.clone() for k, v in
                  runner.model.cls_head.state_dict().items()}
    runner.load_or_resume()

    state = runner.model.state_dict()
    for key, value in seven.state_dict().items():
        if key.startswith('backbone.'):
            assert torch.equal(state[key], value), key
    for key, value in fresh_head.items():
        assert torch.equal(state[f'cls_head.{key}'], value), key
    assert state['cls_head.fc_cls.weight'].shape[0] == 2
    out, err = capfd.readouterr()
    # the warning names each key left out (at WARNING: shown whatever the
    # INFO level of the logger a previous Runner in this process set up)
    assert 'size mismatch for cls_head.fc_cls.weight' in out + err
    assert 'size mismatch for cls_head.fc_cls.bias' in out + err
