# The TSM student (fall_mbv3s_tsm.py) on the Le2i / ImViA fall dataset
# (the annotated scenes: Coffee room, Home; 320x240 at 25 fps), fall / no
# fall:
#
#   python tools/data/convert_fall_dataset.py le2i <Le2i download> \
#       --out data/le2i
#   python tools/train.py configs/fall_mbv3s_tsm_le2i.py
#
# Everything as fall_mbv3s_tsm_urfall.py but the data. Splits are by video.
_base_ = ['./fall_mbv3s_tsm_urfall.py']

data_root = 'data/le2i'

train_dataloader = dict(dataset=dict(ann_file=f'{data_root}/train.txt',
                                     data_prefix=dict(video=data_root)))
val_dataloader = dict(dataset=dict(ann_file=f'{data_root}/val.txt',
                                   data_prefix=dict(video=data_root)))
test_dataloader = dict(dataset=dict(ann_file=f'{data_root}/test.txt',
                                    data_prefix=dict(video=data_root)))
