"""A metric that counts what it saw, for tests that build a real Runner with
validation or test loops but check something else
(tests/test_engine/test_hooks/test_random_state_hook.py,
tests/test_engine/test_hooks/test_worker_priority_hook.py)."""
from mmengine.evaluator import BaseMetric


class NullMetric(BaseMetric):
    """Returns ``{'n': number of batches processed}``."""

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(n=len(results))
