# fall_mbv3_distill.py with DIST (Huang et al. 2022, mmrazor's DISTLoss)
# instead of Hinton's KL: it matches the Pearson correlation of the class
# probabilities between and within samples, which tolerates a large
# teacher-student gap better than exact KL matching.
_base_ = ['./fall_mbv3_distill.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_kd=dict(
                _delete_=True,
                type='mmrazor.DISTLoss',
                tau=4.0,
                loss_weight=1 - _base_.alpha)),
        # mmrazor's DISTLoss names its inputs logits_S / logits_T
        loss_forward_mappings=dict(
            loss_kd=dict(
                _delete_=True,
                logits_S=dict(from_student=True, recorder='logits'),
                logits_T=dict(from_student=False, recorder='logits')))))
