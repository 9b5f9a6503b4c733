#!/usr/bin/env bash
# Distributed testing with torchrun (MMEngine's `pytorch` launcher).
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py arguments]
# Several machines: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=<node 0> PORT=29500.
# Without CUDA the processes talk over gloo (tools/test.py switches the
# configs' nccl), so GPUS counts CPU processes.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --master_port="$PORT" \
    --nproc_per_node="$GPUS" \
    "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
