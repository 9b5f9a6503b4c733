# The two commands a new user needs (see README):
#   make demo   set up .venv, then the main job: SynthFall -> teacher ->
#               distilled student -> pruned -> INT8 -> tools/benchmark.py
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

.PHONY: all install demo pipeline quick-demo data teacher student distill report bench compress test clean

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

# The quick-teacher demo of the first release: SlowOnly-R18 teacher,
# frame-averaging student, distilled TSM student, their accuracy report.
quick-demo: teacher student distill
	$(MAKE) --no-print-directory report

# ------------------------------------------------------------ the main job
# make demo: generate SynthFall -> train the teacher -> distill the TSM
# student -> prune 40% and fine-tune -> INT8 (PT2E through tools/test.py,
# and static QDQ ONNX) -> tools/benchmark.py, the headline table and plot in
# $(PW)/benchmark/. Each step's output is a file: an interrupted run
# continues where it stopped. PROFILE=cpu (default) fits 2 CPU cores in
# about half an hour; PROFILE=full is the GPU profile: more clips, the
# configs' own epochs, the SlowFast-R50 teacher, and the student alone,
# TSM-MobileNetV2 and X3D-S trained as baselines (in the cpu profile the
# last two are measured untrained: cost only).
PROFILE ?= cpu
PW      ?= work_dirs/pipeline_$(PROFILE)
ifeq ($(PROFILE),full)
P_CLIPS          ?= 4200
P_ROOMS          ?= 3
P_TEACHER        ?= fall_slowfast_r50_teacher
P_DISTILL        ?= fall_mbv3_distill_slowfast
P_DISTILL_OPTS   ?=
P_TEACHER_EPOCHS ?=
P_STUDENT_EPOCHS ?=
P_PRUNE_EPOCHS   ?=
P_BASELINES      ?= fall_mbv3s_tsm fall_tsm_mobilenetv2 fall_x3d_s
else ifeq ($(PROFILE),cpu)
P_CLIPS          ?= 840
P_ROOMS          ?= 1
P_TEACHER        ?= fall_shufflenetv2_tsm
P_DISTILL        ?= fall_mbv3_distill_tsm_teacher
P_DISTILL_OPTS   ?=
P_TEACHER_EPOCHS ?= 8
P_STUDENT_EPOCHS ?= 8
P_PRUNE_EPOCHS   ?= 3
P_BASELINES      ?=
else
$(error PROFILE must be cpu or full, got $(PROFILE))
endif
P_DATA  ?= data/synthfall_$(PROFILE)
P_UNTRAINED := $(filter-out $(P_BASELINES),fall_tsm_mobilenetv2 fall_x3d_s)
epochs = $(if $(1),--epochs $(1))
# every config reads the profile's SynthFall copy
P_OPTS  = $(foreach s,train val test,\
	$(s)_dataloader.dataset.ann_file=$(abspath $(P_DATA))/$(s).txt \
	$(s)_dataloader.dataset.data_prefix.video=$(abspath $(P_DATA)))

demo pipeline: $(PW)/benchmark/table.md
	@cat $(PW)/benchmark/table.md

$(PW)/data.done:
	$(MAKE) --no-print-directory install
	$(BIN)/python tools/data/synthfall.py --out $(P_DATA) --num-clips $(P_CLIPS) \
		--rooms $(P_ROOMS) --seed 0 --workers 2 --contact-sheet --overwrite
	mkdir -p $(PW) && touch $@

$(PW)/teacher/best.pth: $(PW)/data.done
	$(BIN)/python tools/train.py configs/$(P_TEACHER).py \
		--work-dir $(PW)/teacher $(call epochs,$(P_TEACHER_EPOCHS)) \
		--cfg-options $(P_OPTS)
	cp $$(ls -t $(PW)/teacher/best_*.pth | head -n 1) $@

$(PW)/distill/student.pth: $(PW)/teacher/best.pth
	$(BIN)/python tools/train.py configs/$(P_DISTILL).py \
		--work-dir $(PW)/distill $(call epochs,$(P_STUDENT_EPOCHS)) \
		--cfg-options model.teacher_ckpt=$(PW)/teacher/best.pth $(P_DISTILL_OPTS) \
		$(P_OPTS)
	cp $$(ls -t $(PW)/distill/best_*_student.pth | head -n 1) $@

$(PW)/pruned/best.pth: $(PW)/distill/student.pth
	$(BIN)/python tools/train.py configs/fall_mbv3_prune.py \
		--work-dir $(PW)/pruned $(call epochs,$(P_PRUNE_EPOCHS)) \
		--cfg-options load_from=$(PW)/distill/student.pth $(P_OPTS)
	cp $$(ls -t $(PW)/pruned/best_*.pth | head -n 1) $@

$(PW)/int8/int8_model.pt2: $(PW)/pruned/best.pth
	$(BIN)/python tools/test.py configs/fall_mbv3_prune_int8.py \
		$(PW)/pruned/best.pth --work-dir $(PW)/int8 --cfg-options $(P_OPTS)

$(PW)/onnx/pruned_int8.onnx: $(PW)/pruned/best.pth
	$(BIN)/python tools/deployment/export_onnx.py configs/fall_mbv3_prune.py \
		$(PW)/pruned/best.pth --out $(PW)/onnx/pruned.onnx --int8 $@ \
		--cfg-options $(P_OPTS)

$(PW)/baselines/%/best.pth: $(PW)/data.done
	$(BIN)/python tools/train.py configs/$*.py \
		--work-dir $(PW)/baselines/$* $(call epochs,$(P_STUDENT_EPOCHS)) \
		--cfg-options $(P_OPTS)
	cp $$(ls -t $(PW)/baselines/$*/best_*.pth | head -n 1) $@

$(PW)/benchmark/table.md: $(PW)/int8/int8_model.pt2 $(PW)/onnx/pruned_int8.onnx \
		$(foreach b,$(P_BASELINES),$(PW)/baselines/$(b)/best.pth)
	$(BIN)/python tools/benchmark.py \
		teacher=configs/$(P_TEACHER).py,$(PW)/teacher/best.pth \
		$(foreach b,$(P_BASELINES),$(b)=configs/$(b).py,$(PW)/baselines/$(b)/best.pth) \
		distilled=configs/fall_mbv3s_tsm.py,$(PW)/distill/student.pth \
		pruned=configs/fall_mbv3_prune.py,$(PW)/pruned/best.pth \
		pruned_int8_pt2e=configs/fall_mbv3_prune.py,$(PW)/int8/int8_model.pt2 \
		pruned_int8_onnx=configs/fall_mbv3_prune.py,$(PW)/onnx/pruned_int8.onnx \
		$(foreach b,$(P_UNTRAINED),$(b)=configs/$(b).py) \
		--data-root $(P_DATA) --work-dir $(PW)/benchmark \
		--out $@.tmp --png $(PW)/benchmark/plot.png \
		--json $(PW)/benchmark/results.json
	mv $@.tmp $@

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
