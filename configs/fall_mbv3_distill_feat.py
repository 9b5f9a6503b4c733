# fall_mbv3_distill.py plus feature distillation: the student's last feature
# maps (8 frames x 576 channels) are projected by a VideoFeatureConnector
# (1x1x1 conv + BN) to the teacher's 128 channels and matched, after
# pooling both to a common (T, H, W), to the teacher's backbone output
# (16 frames) with an L2-normalised MSE.
_base_ = ['./fall_mbv3_distill.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            feat=dict(type='mmrazor.ModuleOutputs', source='backbone')),
        teacher_recorders=dict(
            feat=dict(type='mmrazor.ModuleOutputs', source='backbone')),
        connectors=dict(
            loss_feat_sfeat=dict(
                type='VideoFeatureConnector',
                in_channels=576,
                out_channels=128,
                num_segs=_base_.num_segments)),
        distill_losses=dict(
            loss_feat=dict(type='VideoFeatureLoss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_feat=dict(
                preds_S=dict(
                    from_student=True,
                    recorder='feat',
                    connector='loss_feat_sfeat'),
                preds_T=dict(from_student=False, recorder='feat')))))
