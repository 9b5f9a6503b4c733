"""BestCheckpointLinkHook in a real (small) Runner: best.pth follows the
best checkpoint CheckpointHook writes."""
import os
import os.path as osp

import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

from mmlight.engine import BestCheckpointLinkHook


class ToyData(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=torch.full((2, ), float(i)), label=i % 2)


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, inputs, label=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(out, label))
        return [out]


class EpochMetric(BaseMetric):
    """A score that peaks at epoch 2 of 3."""
    scores = [0.2, 0.9, 0.5]

    def __init__(self):
        super().__init__()
        self.calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        self.calls += 1
        return dict(score=self.scores[self.calls - 1])


def test_best_pth_links_the_best_checkpoint(tmp_path):
    loader = dict(dataset=ToyData(), batch_size=2,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='default_collate'))
    runner = Runner(
        model=ToyModel(), work_dir=str(tmp_path), train_dataloader=loader,
        val_dataloader=loader, val_cfg=dict(), val_evaluator=[EpochMetric()],
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1,
                            save_best='score', rule='greater'),
            best_link=dict(type='BestCheckpointLinkHook')),
        default_scope='mmlight')
    link = tmp_path / 'best.pth'
    link.symlink_to('best_score_epoch_9.pth')  # an earlier run's

    class Probe(Hook):  # during training, no best.pth: not finished
        priority = 'LOWEST'

        def after_train_epoch(self, runner):
            seen.append(osp.lexists(link))

    seen = []
    runner.register_hook(Probe())
    runner.train()
    assert seen == [False, False, False]
    assert link.is_symlink()
    assert os.readlink(link) == 'best_score_epoch_2.pth'
    assert torch.load(link, weights_only=True)['meta']['epoch'] == 2


def test_bad_filename():
    with pytest.raises(ValueError, match='filename'):
        BestCheckpointLinkHook(filename='sub/best.pth')
