"""MemoryAwareBatchSampler: batches within the budget, every sample once
per epoch, deterministic from seed and epoch, equal batch counts across
DDP ranks, clear errors; and the probe of a real model."""
import random

import pytest
from mmengine.dataset import DefaultSampler

from mmlight.datasets import MemoryAwareBatchSampler
from mmlight.datasets.samplers import pack_batches

MB = 2**20


class Clips:
    """A dataset of clips of random sizes, known from the annotation."""

    def __init__(self, n: int = 60, seed: int = 0):
        rng = random.Random(seed)
        self.infos = [
            dict(filename=f'videos/{i:03d}.mp4',
                 total_frames=rng.choice([16, 32, 48]),
                 img_shape=rng.choice([(48, 64), (96, 128), (120, 160)]))
            for i in range(n)
        ]

    def __len__(self):
        return len(self.infos)

    def get_data_info(self, i):
        return dict(self.infos[i])


def elements(info) -> int:
    return info['total_frames'] * info['img_shape'][0] * \
        info['img_shape'][1] * 3


def sampler(dataset, seed=0, rank=None, world=None, monkeypatch=None, **kw):
    if rank is not None:
        monkeypatch.setattr('mmengine.dataset.sampler.get_dist_info',
                            lambda: (rank, world))
    base = DefaultSampler(dataset, shuffle=True, seed=seed)
    args = dict(max_memory='64MB', bytes_per_element=4.0,
                fixed_bytes='8MB')
    args.update(kw)
    return MemoryAwareBatchSampler(base, batch_size=8, **args)


@pytest.mark.parametrize('pool_batches', [1, 4, 100])
def test_pack_keeps_every_batch_within_the_budget(pool_batches):
    rng = random.Random(pool_batches)
    costs = [rng.uniform(1, 10) for _ in range(200)]
    order = list(range(200))
    rng.shuffle(order)
    batches = pack_batches(order, costs, 30.0, 6, pool_batches)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for b in batches:
        assert len(b) <= 6
        assert len(b) * max(costs[i] for i in b) <= 30.0
    # first fit decreasing packs tighter than one sample a batch
    assert len(batches) < 200 / 2


def test_batches_stay_under_max_memory_and_cover_the_epoch():
    dataset = Clips()
    bs = sampler(dataset)
    batches = list(bs)
    assert len(batches) == len(bs)
    assert sorted(i for b in batches for i in b) == list(range(len(dataset)))
    for b in batches:
        # fixed memory + the padded batch, each clip at 4 bytes an element
        padded = 8 * MB + len(b) * 4 * max(elements(dataset.infos[i])
                                           for i in b)
        assert bs.estimated_bytes(b) == pytest.approx(padded)
        assert padded <= 64 * MB
        assert 1 <= len(b) <= 8
    # small clips share batches; the largest (~11 MiB) fill them less
    assert max(len(b) for b in batches) > 2


def test_deterministic_from_seed_and_epoch():
    dataset = Clips()
    a, b = sampler(dataset, seed=3), sampler(dataset, seed=3)
    assert list(a) == list(b)
    assert list(sampler(dataset, seed=4)) != list(a)
    first = list(a)
    a.sampler.set_epoch(1)  # what DistSamplerSeedHook calls
    assert list(a) != first
    b.sampler.set_epoch(1)
    assert list(a) == list(b)


def test_ddp_ranks_share_the_epoch_with_equal_batch_counts(monkeypatch):
    dataset = Clips(n=61)
    ranks = [sampler(dataset, seed=1, rank=r, world=3,
                     monkeypatch=monkeypatch) for r in range(3)]
    shards = [set(s.sampler) for s in ranks]
    batches = [list(s) for s in ranks]
    assert len({len(b) for b in batches}) == 1  # no rank waits in DDP
    for shard, rank_batches in zip(shards, batches):
        assert {i for b in rank_batches for i in b} == shard
    assert set.union(*shards) == set(range(61))


def test_a_clip_over_the_budget_is_named():
    dataset = Clips()
    dataset.infos[7] = dict(filename='videos/huge.mp4', total_frames=300,
                            img_shape=(720, 1280))
    bs = sampler(dataset)
    with pytest.raises(ValueError, match=r'sample 7 \(videos/huge.mp4'):
        list(bs)
    with pytest.raises(ValueError, match='below the model.s fixed'):
        list(sampler(Clips(), fixed_bytes='100MB'))


@pytest.mark.parametrize('kwargs, match', [
    (dict(max_memory='lots'), 'max_memory'),
    (dict(max_memory=0), 'max_memory'),
    (dict(probe_model=dict(type='X')), 'exactly one'),
    (dict(bytes_per_element=None), 'exactly one'),
    (dict(scale=0), 'scale'),
    (dict(optimizer_slots=-1), 'optimizer_slots'),
])
def test_bad_arguments_fail_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sampler(Clips(), **kwargs)


def test_parse_memory_units():
    from mmlight.measure.memory_probe import parse_memory
    assert parse_memory('3GB') == 3 * 2**30
    assert parse_memory('512 MiB') == 512 * 2**20
    assert parse_memory('1.5g') == int(1.5 * 2**30)
    assert parse_memory(1000) == 1000


@pytest.mark.slow
def test_a_dataloader_probes_the_model_once(synthfall_tiny, tiny_config):
    from mmengine.runner import Runner
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    loader_cfg = cfg.train_dataloader.to_dict()
    loader_cfg.update(batch_size=4, batch_sampler=dict(
        type='MemoryAwareBatchSampler', max_memory='40MB', frames=8,
        probe_model=cfg.model.to_dict()))
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    bs = loader.batch_sampler
    assert bs.bytes_per_element is None  # probed when batches are needed
    n = len(loader)
    assert bs.bytes_per_element > 4  # more than the fp32 input itself
    assert bs.fixed_bytes > 0  # weights, gradients, AdamW states
    seen = 0
    for batch in loader:
        assert len(batch['inputs']) <= 4
        seen += len(batch['inputs'])
    assert seen == len(loader.dataset) and n == len(list(bs))
    per_clip = 8 * 48 * 64 * 3 * bs.bytes_per_element
    # as many clips a batch as the budget holds, at most batch_size
    most = min(4, int((40 * MB - bs.fixed_bytes) // per_clip))
    assert max(len(b) for b in bs) == most >= 1
    assert hasattr(loader.batch_sampler.sampler, 'set_epoch')


@pytest.mark.slow
@pytest.mark.parametrize('config', ['fall_mbv3s_tsm_mixed.py',
                                    'fall_mbv3s_tsm_lowmem.py'])
def test_mixed_config_trains_on_clips_of_their_own_size(config, tmp_path):
    """The mixed-size configs for an epoch on a tiny mixed SynthFall in a
    real Runner: batches of different resolutions (and, lowmem, under
    autocast with checkpointed blocks)."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmlight.datasets.synthfall import generate_dataset
    from mmlight.reports.benchmark import data_root_options
    from mmlight.reports.common import parse_cfg_options
    root = str(tmp_path / 'mixed')
    generate_dataset(root, num_clips=21, seed=0, width=64, height=48,
                     num_frames=16, mixed=True, progress=False)
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    cfg = Config.fromfile(osp.join(repo, 'configs', config))
    cfg.merge_from_dict(parse_cfg_options(data_root_options(
        root, batch_size=6, num_workers=0)))
    cfg.train_dataloader.batch_sampler.size_cache = f'{root}/sizes.json'
    cfg.train_dataloader.batch_sampler.max_memory = '48MB'
    cfg.model.backbone.backbone.width_mult = 0.5
    cfg.model.cls_head.in_channels = 288
    cfg.merge_from_dict(dict(train_cfg=dict(max_epochs=1, val_interval=2),
                             custom_hooks=[], work_dir=str(tmp_path / 'w')))
    shapes = set()
    runner = Runner.from_cfg(cfg)
    original = runner.model.data_preprocessor.forward

    def record(data, training=False):
        out = original(data, training)
        shapes.add(tuple(out['inputs'].shape[-2:]))
        return out

    runner.model.data_preprocessor.forward = record
    runner.train()
    bs = runner.train_dataloader.batch_sampler
    assert bs.bytes_per_element > 0
    assert osp.isfile(f'{root}/sizes.json')
    assert len(shapes) > 1  # padded to each batch's largest clip
    if 'lowmem' in config:
        assert type(runner.optim_wrapper).__name__ == 'AmpOptimWrapper'
        assert runner.model.backbone.with_cp
