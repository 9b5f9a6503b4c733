# The two commands a new user needs (see README):
#   make demo   set up .venv, generate SynthFall, train + test teacher, student,
#               and the student distilled from the teacher
#   make test   set up .venv, run the test suite (what CI runs)
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data/synthfall
WORK   ?= work_dirs/demo
# Demo profile: 1400 clips filmed by one fixed home camera (see README).
CLIPS  ?= 1400
ROOMS  ?= 1
# Epochs come from the configs (teacher 25, student 15); set these to change.
TEACHER_EPOCHS ?=
STUDENT_EPOCHS ?=

.PHONY: all install demo data teacher student distill report bench compress test clean

all: test

# torch/torchvision first and pinned exactly: they install from files on this
# machine; letting pip resolve them elsewhere downloads gigabytes.
$(BIN)/.deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24"
	$(BIN)/pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install -q ".[tests]"
	touch $@

# Reinstall mmlight itself (not an editable install: mim and mmengine's
# `mmlight::` config lookup need it in site-packages with its .mim folder).
install: $(BIN)/.deps
	$(BIN)/pip install -q --no-deps --no-build-isolation .

data: install
	$(BIN)/python tools/data/synthfall.py --out $(DATA) --num-clips $(CLIPS) \
		--rooms $(ROOMS) --seed 0 --workers 2 --contact-sheet --overwrite

teacher: data
	$(BIN)/python tools/train.py configs/fall_slowonly_r18_teacher.py \
		--work-dir $(WORK)/teacher $(if $(TEACHER_EPOCHS),--epochs $(TEACHER_EPOCHS))
	cp $$(ls -t $(WORK)/teacher/best_*.pth | head -n 1) $(WORK)/teacher/best.pth
	$(BIN)/python tools/test.py configs/fall_slowonly_r18_teacher.py \
		$(WORK)/teacher/best.pth \
		--work-dir $(WORK)/teacher --dump $(WORK)/teacher/test_preds.pkl

student: data
	$(BIN)/python tools/train.py configs/fall_mbv3_baseline.py \
		--work-dir $(WORK)/student $(if $(STUDENT_EPOCHS),--epochs $(STUDENT_EPOCHS))
	$(BIN)/python tools/test.py configs/fall_mbv3_baseline.py \
		$$(ls -t $(WORK)/student/best_*.pth | head -n 1) \
		--work-dir $(WORK)/student --dump $(WORK)/student/test_preds.pkl

# The TSM student taught by the teacher (configs/fall_mbv3_distill.py reads
# $(WORK)/teacher/best.pth); tested as a plain student from the exported
# student-only checkpoint.
distill: teacher
	$(BIN)/python tools/train.py configs/fall_mbv3_distill.py \
		--work-dir $(WORK)/distill $(if $(STUDENT_EPOCHS),--epochs $(STUDENT_EPOCHS)) \
		--cfg-options model.teacher_ckpt=$(WORK)/teacher/best.pth
	$(BIN)/python tools/test.py configs/fall_mbv3s_tsm.py \
		$$(ls -t $(WORK)/distill/best_*_student.pth | head -n 1) \
		--work-dir $(WORK)/distill --dump $(WORK)/distill/test_preds.pkl

report:
	$(BIN)/python tools/analysis/report_accuracy.py \
		--classes $(DATA)/classes.txt \
		teacher=$(WORK)/teacher/test_preds.pkl \
		student=$(WORK)/student/test_preds.pkl \
		distilled=$(WORK)/distill/test_preds.pkl

demo: teacher student distill
	$(MAKE) --no-print-directory report

# The light-architecture table (configs/README.md): trains every config below
# that has no best_*.pth in $(WORK)/bench yet (all of them: about 1.5 h on 2
# CPU cores), tests each, measures params, GFLOPs, CPU clips/s and memory.
BENCH_CONFIGS ?= fall_slowonly_r18_teacher fall_mbv3_baseline fall_mbv3s_tsm \
	fall_mbv3s_tsm_online fall_mbv3s_tconv fall_mbv3l_tsm \
	fall_shufflenetv2_tsm fall_effnetlite0_tsm fall_mbv3s_c2plus1d_head \
	fall_mbv3s_axial_head fall_mbv3s_window_head
bench: data
	$(BIN)/python tools/analysis/benchmark_models.py \
		$(foreach c,$(BENCH_CONFIGS),configs/$(c).py) \
		--work-dir $(WORK)/bench --data-root $(DATA) \
		--out $(WORK)/bench/table.md --json $(WORK)/bench/results.json

# The compression pipeline (configs/README.md): the TSM student
# (fall_mbv3s_tsm.py), pruned 40% and fine-tuned (fall_mbv3_prune.py), its
# INT8 PTQ through tools/test.py (fall_mbv3_prune_int8.py), then the report
# that builds the INT8 PyTorch and ONNX files and measures FP32 -> pruned ->
# INT8 side by side. About 15 minutes on 2 CPU cores; a student already in
# $(WORK)/student_tsm/best.pth is not trained again.
compress: data
	test -f $(WORK)/student_tsm/best.pth || { \
		$(BIN)/python tools/train.py configs/fall_mbv3s_tsm.py \
			--work-dir $(WORK)/student_tsm && \
		cp $$(ls -t $(WORK)/student_tsm/best_*.pth | head -n 1) \
			$(WORK)/student_tsm/best.pth; }
	$(BIN)/python tools/train.py configs/fall_mbv3_prune.py \
		--work-dir $(WORK)/pruned \
		--cfg-options load_from=$(WORK)/student_tsm/best.pth
	cp $$(ls -t $(WORK)/pruned/best_*.pth | head -n 1) $(WORK)/pruned/best.pth
	$(BIN)/python tools/test.py configs/fall_mbv3_prune_int8.py \
		$(WORK)/pruned/best.pth --work-dir $(WORK)/pruned_int8
	$(BIN)/python tools/analysis/compression_report.py \
		configs/fall_mbv3s_tsm.py $(WORK)/student_tsm/best.pth \
		--pruned configs/fall_mbv3_prune.py $(WORK)/pruned/best.pth \
		--work-dir $(WORK)/compression --data-root $(DATA) \
		--out $(WORK)/compression/table.md \
		--json $(WORK)/compression/results.json

# Two pytest workers (pytest-xdist), one thread each: most of the suite is
# Python-bound tracing/export, so on 2 cores this halves the wall time.
TEST_WORKERS ?= 2
test: install
	OMP_NUM_THREADS=1 $(BIN)/pytest -n $(TEST_WORKERS) tests

clean:
	rm -rf $(WORK) build *.egg-info mmlight/.mim
