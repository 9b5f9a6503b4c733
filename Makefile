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

.PHONY: seed-table all install demo pipeline quick-demo data teacher student distill report bench compress test clean real

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
	test -e $(WORK)/teacher/best.pth  # BestCheckpointLinkHook's link
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
# static QDQ ONNX, NNCF OpenVINO) -> tools/benchmark.py, the headline table and plot in
# $(PW)/benchmark/. Each step's output is a file: an interrupted run
# continues where it stopped. PROFILE=cpu (default) fits 2 CPU cores in
# about half an hour; PROFILE=full is the GPU profile: more clips, the
# configs' own epochs, the SlowFast-R50 teacher, and the student alone,
# TSM-MobileNetV2 and X3D-S trained as baselines (in the cpu profile
# P_UNTRAINED="fall_tsm_mobilenetv2 fall_x3d_s" adds the last two measured
# untrained, cost only: 1.2 min more).
PROFILE ?= cpu
PW      ?= work_dirs/pipeline_$(PROFILE)
ifeq ($(PROFILE),full)
P_CLIPS          ?= 4200
P_ROOMS          ?= 3
P_TEACHER        ?= fall_slowfast_r50_teacher
P_DISTILL        ?= fall_mbv3_distill_slowfast
P_DISTILL_OPTS   ?=
P_PRUNE          ?= fall_mbv3_prune
P_TEACHER_EPOCHS ?=
P_STUDENT_EPOCHS ?=
P_PRUNE_EPOCHS   ?=
P_BASELINES      ?= fall_mbv3s_tsm fall_tsm_mobilenetv2 fall_x3d_s
P_JOBS           ?= 1
else ifeq ($(PROFILE),cpu)
P_CLIPS          ?= 1400
P_ROOMS          ?= 1
P_TEACHER        ?= fall_resnet18_tsm_teacher
P_DISTILL        ?= fall_mbv3_distill_r18
P_DISTILL_OPTS   ?=
P_PRUNE          ?= fall_mbv3_prune_fall3x
P_TEACHER_EPOCHS ?= 8
P_STUDENT_EPOCHS ?= 16
P_PRUNE_EPOCHS   ?= 10
P_BASELINES      ?=
P_JOBS           ?= 2
else
$(error PROFILE must be cpu or full, got $(PROFILE))
endif
P_DATA  ?= data/synthfall_$(PROFILE)
# both profiles: no teacher-logit cache, no untrained reference rows
P_TEACHER_LOGITS ?=
P_UNTRAINED      ?=
epochs = $(if $(1),--epochs $(1))
# every config reads the profile's SynthFall copy
# $(call data_opts,ROOT[,SUFFIX][,EXTRA]): --cfg-options pointing every
# dataloader at ROOT/<split>SUFFIX.txt and ROOT's videos, plus EXTRA=<value>
# each (e.g. the frame cache)
data_opts = $(foreach s,train val test,\
	$(s)_dataloader.dataset.ann_file=$(abspath $(1))/$(s)$(2).txt \
	$(s)_dataloader.dataset.data_prefix.video=$(abspath $(1)) \
	$(if $(3),$(s)_dataloader.dataset.$(3)))
P_OPTS  = $(call data_opts,$(P_DATA))

# P_JOBS=2 (cpu profile): the steps that need only an earlier one's output
# run side by side (the distilled student's ONNX export beside the pruning,
# the four INT8 exports of the pruned one two at a time); training stays
# one step after the other
demo pipeline:
	$(MAKE) --no-print-directory -j$(P_JOBS) $(PW)/benchmark/table.md
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
	test -e $@

# P_TEACHER_LOGITS=1: the teacher runs once over the training clips (its
# test view) and KD reads its logits (a P_DISTILL that packs 'filename',
# e.g. fall_mbv3_distill_r18_cached.py), so an epoch is the student's step
P_LOGITS = $(if $(P_TEACHER_LOGITS),$(PW)/distill/teacher_logits.pth)

$(PW)/distill/teacher_logits.pth: $(PW)/teacher/best.pth
	$(BIN)/python tools/analysis/cache_teacher_logits.py \
		configs/$(P_TEACHER).py $(PW)/teacher/best.pth --out $@.tmp \
		--cfg-options $(P_OPTS)
	mv $@.tmp $@

$(PW)/distill/student.pth: $(PW)/teacher/best.pth $(P_LOGITS)
	$(BIN)/python tools/train.py configs/$(P_DISTILL).py \
		--work-dir $(PW)/distill $(call epochs,$(P_STUDENT_EPOCHS)) \
		--cfg-options model.teacher_ckpt=$(PW)/teacher/best.pth \
		$(if $(P_LOGITS),model.teacher_logits=$(P_LOGITS)) $(P_DISTILL_OPTS) \
		$(P_OPTS)
	cp $$(ls -t $(PW)/distill/best_*_student.pth | head -n 1) $@

# pruned, then fine-tuned under the same teacher (KD) where P_PRUNE is a
# distillation config (its name holds "distill"), on labels alone where it is
# fall_mbv3_prune.py; either way $@ is a plain student checkpoint that
# fall_mbv3_prune.py (and the INT8 configs) load (the run's own best.pth
# link, to the algorithm's checkpoint, is replaced by that file)
$(PW)/pruned/best.pth: $(PW)/distill/student.pth
	$(BIN)/python tools/train.py configs/$(P_PRUNE).py \
		--work-dir $(PW)/pruned $(call epochs,$(P_PRUNE_EPOCHS)) \
		--cfg-options $(if $(findstring distill,$(P_PRUNE)),\
			model.student_ckpt=$(PW)/distill/student.pth \
			model.teacher_ckpt=$(PW)/teacher/best.pth,\
			load_from=$(PW)/distill/student.pth) $(P_OPTS)
	$(if $(findstring distill,$(P_PRUNE)),\
		f=$$(ls -t $(PW)/pruned/best_*_student.pth | head -n 1) && \
		rm -f $@ && cp $$f $@,test -e $@)

$(PW)/int8/int8_model.pt2: $(PW)/pruned/best.pth
	$(BIN)/python tools/test.py configs/fall_mbv3_prune_int8.py \
		$(PW)/pruned/best.pth --work-dir $(PW)/int8 --cfg-options $(P_OPTS)

$(PW)/onnx/pruned_int8.onnx: $(PW)/pruned/best.pth
	$(BIN)/python tools/deployment/export_onnx.py configs/fall_mbv3_prune.py \
		$(PW)/pruned/best.pth --out $(PW)/onnx/pruned.onnx --int8 $@ \
		--cfg-options $(P_OPTS)

# the distilled student unpruned as static INT8 ONNX: the light model with
# the least accuracy lost, beside the smallest (pruned) one
$(PW)/onnx/distilled_int8.onnx: $(PW)/distill/student.pth
	$(BIN)/python tools/deployment/export_onnx.py configs/fall_mbv3s_tsm.py \
		$(PW)/distill/student.pth --out $(PW)/onnx/distilled.onnx --int8 $@ \
		--cfg-options $(P_OPTS)

# OpenVINO, the CPU runtime a user would pick instead: the same pruned model
# as FP32 IR and NNCF INT8 IR (calibrated on the val clips the QDQ ONNX is)
$(PW)/openvino/pruned_int8.xml: $(PW)/pruned/best.pth
	$(BIN)/python tools/deployment/export_openvino.py configs/fall_mbv3_prune.py \
		$(PW)/pruned/best.pth --out $@ --cfg-options $(P_OPTS)

$(PW)/baselines/%/best.pth: $(PW)/data.done
	$(BIN)/python tools/train.py configs/$*.py \
		--work-dir $(PW)/baselines/$* $(call epochs,$(P_STUDENT_EPOCHS)) \
		--cfg-options $(P_OPTS)
	test -e $@

$(PW)/benchmark/table.md: $(PW)/int8/int8_model.pt2 $(PW)/onnx/pruned_int8.onnx \
		$(PW)/onnx/distilled_int8.onnx \
		$(PW)/openvino/pruned_int8.xml $(foreach b,$(P_BASELINES),$(PW)/baselines/$(b)/best.pth)
	$(BIN)/python tools/benchmark.py \
		teacher=configs/$(P_TEACHER).py,$(PW)/teacher/best.pth \
		$(foreach b,$(P_BASELINES),$(b)=configs/$(b).py,$(PW)/baselines/$(b)/best.pth) \
		distilled=configs/fall_mbv3s_tsm.py,$(PW)/distill/student.pth \
		distilled_int8_onnx=configs/fall_mbv3s_tsm.py,$(PW)/onnx/distilled_int8.onnx \
		pruned=configs/fall_mbv3_prune.py,$(PW)/pruned/best.pth \
		pruned_int8_pt2e=configs/fall_mbv3_prune.py,$(PW)/int8/int8_model.pt2 \
		pruned_int8_onnx=configs/fall_mbv3_prune.py,$(PW)/onnx/pruned_int8.onnx \
		pruned_fp32_openvino=configs/fall_mbv3_prune.py,$(PW)/openvino/pruned_int8_fp32.xml \
		pruned_int8_openvino=configs/fall_mbv3_prune.py,$(PW)/openvino/pruned_int8.xml \
		$(foreach b,$(P_UNTRAINED),$(b)=configs/$(b).py) \
		--data-root $(P_DATA) --work-dir $(PW)/benchmark --rounds 2 \
		--batch-sizes 1 32 --cfg-options test_dataloader.batch_size=32 \
		--out $@.tmp --png $(PW)/benchmark/plot.png \
		--json $(PW)/benchmark/results.json
	mv $@.tmp $@

# The seed's case study at the seed's scale, cost only (README "At the
# seed's input"): SlowFast-R50 at 64x224x224 (its own slow/fast sampling)
# against the TSM student at 8x224x224, FP32, pruned (the architecture
# fall_mbv3_prune.py prunes to) and INT8 (PT2E compiled, ONNX Runtime QDQ,
# NNCF + OpenVINO), then the seed's table beside ours. DEVICE=cuda measures
# peak memory on a GPU (more batch sizes); clips/s is always the CPU's.
DEVICE ?= cpu
SEED_WORK ?= work_dirs/seed_table_$(DEVICE)
SEED_VARIANTS ?= plain checkpointing AMP "AMP + checkpointing"
ifeq ($(DEVICE),cuda)
SEED_TRAIN ?= slowfast_r50=1,2,8 2,8,32
SEED_BATCHES ?= 1 8 32
else
SEED_TRAIN ?= slowfast_r50=2 2,8
SEED_BATCHES ?= 1 8
endif
seed-table: install
	$(BIN)/python tools/benchmark_cost.py \
		slowfast_r50=configs/fall_slowfast_r50_teacher.py \
		mbv3=configs/fall_mbv3s_tsm.py \
		mbv3_pruned=configs/fall_mbv3_prune.py \
		--input-shape slowfast_r50=64x224x224 224x224 --int8 mbv3_pruned \
		--train-batches $(SEED_TRAIN) --batch-sizes $(SEED_BATCHES) \
		--variants $(SEED_VARIANTS) --device $(DEVICE) --teacher slowfast_r50 \
		--light mbv3_pruned_int8_pt2e mbv3_pruned_int8_onnx mbv3_pruned_int8_openvino \
		--work-dir $(SEED_WORK) --out table.md --json results.json
	$(MAKE) --no-print-directory $(SEED_WORK)/mixed224.done
	$(BIN)/python tools/analysis/training_memory.py \
		student=configs/fall_mbv3s_tsm_mixed.py --data-root $(SEED_DATA) \
		--cfg-options train_dataloader.batch_sampler.size_cache=$(abspath $(SEED_DATA))/clip_sizes.json \
		--variants plain --batch-size 8 --max-memory 3GB --every-batch \
		--max-batch 32 --device $(DEVICE) --out $(SEED_WORK)/sampler.md
	@cat $(SEED_WORK)/table.md $(SEED_WORK)/sampler.md

# the memory-aware sampler at the seed's scale: SynthFall clips of mixed
# sizes around 224x224 (140-280 px) and lengths (36-72 frames)
SEED_DATA ?= data/synthfall_mixed224
$(SEED_WORK)/mixed224.done:
	$(BIN)/python tools/data/synthfall.py --out $(SEED_DATA) --mixed \
		--size 224x224 --num-clips 84 --rooms 1 --seed 0 --workers 2 --overwrite
	mkdir -p $(SEED_WORK) && touch $@

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
			--work-dir $(WORK)/student_tsm; }
	$(BIN)/python tools/train.py configs/fall_mbv3_prune.py \
		--work-dir $(WORK)/pruned \
		--cfg-options load_from=$(WORK)/student_tsm/best.pth
	test -e $(WORK)/pruned/best.pth
	$(BIN)/python tools/test.py configs/fall_mbv3_prune_int8.py \
		$(WORK)/pruned/best.pth --work-dir $(WORK)/pruned_int8
	$(BIN)/python tools/analysis/compression_report.py \
		configs/fall_mbv3s_tsm.py $(WORK)/student_tsm/best.pth \
		--pruned configs/fall_mbv3_prune.py $(WORK)/pruned/best.pth \
		--work-dir $(WORK)/compression --data-root $(DATA) \
		--out $(WORK)/compression/table.md \
		--json $(WORK)/compression/results.json

# ------------------------------------------------------------ real video
# make real: the whole pipeline on human-recorded video, the Le2i / ImViA
# fall dataset (read from $(LE2I), never copied: the converter links the
# videos and decodes them once into a frame cache under $(R_DATA)):
# convert (windows, split by video and scene) -> the three sim-to-real rows
# (SynthFall student zero-shot, Le2i from scratch, SynthFall-pretrained +
# fine-tuned) -> teacher -> the fine-tuned student distilled from it ->
# pruned -> INT8 (PT2E, ONNX) -> tools/benchmark.py on the Le2i test windows ->
# stream alerts over every whole test video (alarm chosen on the val
# videos) -> $(RW)/summary.md. At most 60 min on 2 CPU cores (README).
LE2I    ?= ../shared/realdata/le2i
RW      ?= work_dirs/real
R_DATA  ?= data/le2i
R_SYNTH ?= data/synthfall_real
R_SYNTH_CLIPS  ?= 840
# SynthFall's plain domain at 15 fps: of the sources measured (README, Real
# video: "Sim-to-real"), the one a light student learns in the budget and
# whose fine-tune converges fastest on Le2i; R_SYNTH_DOMAIN=home renders it
# as by home cameras (mounted high, a wide lens, night vision, a soft
# sensor, compression; R_SYNTH_FPS=25, Le2i's), which it did not learn
R_SYNTH_DOMAIN ?= plain
R_SYNTH_FPS    ?= 15
# 0: every clip a room of its own; N: N fixed rooms (Le2i is filmed in 4)
R_SYNTH_ROOMS  ?= 0
# the pretraining: the 7 actions at 64x48 (fall_mbv3s_tsm_synthfall128.py
# at 128x96 is 4x the cost a step)
R_SYNTH_CFG    ?= fall_mbv3s_tsm_synthfall64
R_SYNTH_EPOCHS ?= 16
R_EPOCHS       ?= 8
R_DISTILL_EPOCHS ?= 4
R_PRUNE_EPOCHS ?= 3
R_OPTS  = $(call data_opts,$(R_DATA),,frame_cache=$(abspath $(R_DATA))/frames)
R_SOPTS = $(call data_opts,$(R_SYNTH))
# training links best.pth to its best checkpoint (BestCheckpointLinkHook)
best = test -e $(1)/best.pth
# tools/test.py on the Le2i test windows, its log kept for the summary
rtest = mkdir -p $(3) && $(BIN)/python tools/test.py configs/$(1).py $(2) \
	--work-dir $(3) --cfg-options $(R_OPTS) > $(3)/test.log 2>&1 \
	|| { tail -n 30 $(3)/test.log; exit 1; }; grep -E "Epoch\(test\).*acc" $(3)/test.log

real: $(RW)/summary.md
	@cat $(RW)/summary.md

$(RW)/le2i.done:
	@test -d "$(LE2I)" || { echo "make real: the Le2i dataset is not at LE2I=$(LE2I) (a folder of <scene>/Videos and <scene>/Annotation_files; see the README, Real video)"; exit 2; }
	$(MAKE) --no-print-directory install
	$(BIN)/python tools/data/convert_fall_dataset.py le2i $(LE2I) --out $(R_DATA) \
		--frame-cache 160 120 --seed 0
	mkdir -p $(RW) && touch $@

$(RW)/synthfall.done:
	$(MAKE) --no-print-directory install
	$(BIN)/python tools/data/synthfall.py --out $(R_SYNTH) --num-clips $(R_SYNTH_CLIPS) \
		--rooms $(R_SYNTH_ROOMS) --seed 0 --workers 2 --overwrite \
		--domain $(R_SYNTH_DOMAIN) --fps $(R_SYNTH_FPS)
	mkdir -p $(RW) && touch $@

# SynthFall pretraining (its 7 actions, R_SYNTH_CFG, R_SYNTH_DOMAIN, R_SYNTH_ROOMS)
$(RW)/synth_student/best.pth: $(RW)/synthfall.done
	$(BIN)/python tools/train.py configs/$(R_SYNTH_CFG).py \
		--work-dir $(RW)/synth_student --epochs $(R_SYNTH_EPOCHS) --cfg-options $(R_SOPTS)
	$(call best,$(RW)/synth_student)

# sim-to-real row 1: the SynthFall student on the Le2i test windows
$(RW)/zeroshot/test.log: $(RW)/synth_student/best.pth $(RW)/le2i.done
	$(call rtest,fall_mbv3s_tsm_le2i_zeroshot,$<,$(RW)/zeroshot)

# sim-to-real row 2: the student trained on Le2i alone
$(RW)/scratch/best.pth: $(RW)/le2i.done
	$(BIN)/python tools/train.py configs/fall_mbv3s_tsm_le2i.py \
		--work-dir $(RW)/scratch --epochs $(R_EPOCHS) --cfg-options $(R_OPTS)
	$(call best,$(RW)/scratch)
	$(call rtest,fall_mbv3s_tsm_le2i,$@,$(RW)/scratch)

# sim-to-real row 3: SynthFall-pretrained, fine-tuned on Le2i
$(RW)/finetune/best.pth: $(RW)/synth_student/best.pth $(RW)/le2i.done
	$(BIN)/python tools/train.py configs/fall_mbv3s_tsm_le2i.py \
		--work-dir $(RW)/finetune --epochs $(R_EPOCHS) \
		--cfg-options load_from=$< $(R_OPTS)
	$(call best,$(RW)/finetune)
	$(call rtest,fall_mbv3s_tsm_le2i,$@,$(RW)/finetune)

$(RW)/teacher/best.pth: $(RW)/le2i.done
	$(BIN)/python tools/train.py configs/fall_shufflenetv2_tsm_le2i.py \
		--work-dir $(RW)/teacher --cfg-options $(R_OPTS)
	$(call best,$(RW)/teacher)
	$(call rtest,fall_shufflenetv2_tsm_le2i,$@,$(RW)/teacher)

# the fine-tuned student (row 3) distilled further from the teacher
$(RW)/distill/student.pth: $(RW)/teacher/best.pth $(RW)/finetune/best.pth
	$(BIN)/python tools/train.py configs/fall_mbv3_distill_le2i.py \
		--work-dir $(RW)/distill --epochs $(R_DISTILL_EPOCHS) \
		--cfg-options model.teacher_ckpt=$< model.student_ckpt=$(RW)/finetune/best.pth $(R_OPTS)
	cp $$(ls -t $(RW)/distill/best_*_student.pth | head -n 1) $@
	$(call rtest,fall_mbv3s_tsm_le2i,$@,$(RW)/distill)

$(RW)/pruned/best.pth: $(RW)/distill/student.pth
	$(BIN)/python tools/train.py configs/fall_mbv3_prune_le2i.py \
		--work-dir $(RW)/pruned --epochs $(R_PRUNE_EPOCHS) \
		--cfg-options load_from=$< $(R_OPTS)
	$(call best,$(RW)/pruned)

$(RW)/int8/int8_model.pt2: $(RW)/pruned/best.pth
	$(call rtest,fall_mbv3_prune_int8_le2i,$<,$(RW)/int8)

$(RW)/onnx/pruned_int8.onnx: $(RW)/pruned/best.pth
	$(BIN)/python tools/deployment/export_onnx.py configs/fall_mbv3_prune_le2i.py \
		$< --out $(RW)/onnx/pruned.onnx --int8 $@ --cfg-options $(R_OPTS)

$(RW)/benchmark/table.md: $(RW)/int8/int8_model.pt2 $(RW)/onnx/pruned_int8.onnx
	$(BIN)/python tools/benchmark.py \
		teacher=configs/fall_shufflenetv2_tsm_le2i.py,$(RW)/teacher/best.pth \
		distilled=configs/fall_mbv3s_tsm_le2i.py,$(RW)/distill/student.pth \
		pruned=configs/fall_mbv3_prune_le2i.py,$(RW)/pruned/best.pth \
		pruned_int8_pt2e=configs/fall_mbv3_prune_le2i.py,$(RW)/int8/int8_model.pt2 \
		pruned_int8_onnx=configs/fall_mbv3_prune_le2i.py,$(RW)/onnx/pruned_int8.onnx \
		--batch-sizes 1 8 --rounds 2 --cfg-options $(R_OPTS) \
		--work-dir $(RW)/benchmark --out $@.tmp --json $(RW)/benchmark/results.json
	mv $@.tmp $@

# stream alerts: the alarm chosen on the val videos, applied to the test ones
STREAM_teacher   = configs/fall_shufflenetv2_tsm_le2i.py --checkpoint $(RW)/teacher/best.pth
STREAM_int8_onnx = configs/fall_mbv3_prune_le2i.py --onnx $(RW)/onnx/pruned_int8.onnx
$(RW)/stream/teacher_test.json: $(RW)/teacher/best.pth
$(RW)/stream/int8_onnx_test.json: $(RW)/onnx/pruned_int8.onnx
$(RW)/stream/%_test.json:
	mkdir -p $(RW)/stream
	$(BIN)/python tools/analysis/stream_eval.py $(STREAM_$*) --data-root $(R_DATA) \
		--split val --choose $(RW)/stream/$*_alarm.json --threads 2
	$(BIN)/python tools/analysis/stream_eval.py $(STREAM_$*) --data-root $(R_DATA) \
		--split test --alarm $(RW)/stream/$*_alarm.json --threads 2 --out $@

$(RW)/summary.md: $(RW)/zeroshot/test.log $(RW)/scratch/best.pth $(RW)/finetune/best.pth \
		$(RW)/benchmark/table.md $(RW)/stream/teacher_test.json $(RW)/stream/int8_onnx_test.json
	$(BIN)/python tools/analysis/real_report.py --work-dir $(RW) --out $@

# Two pytest workers (pytest-xdist), one thread each: most of the suite is
# Python-bound tracing/export, so on 2 cores this halves the wall time.
# --dist loadscope keeps a module's tests on one worker, so its module-scoped
# fixtures (exported, quantized, compiled models) are built once, not on
# both workers.
TEST_WORKERS ?= 2
# yapf (imported by mmengine's Config) writes its grammar pickles on first
# import: done once here, not raced by the pytest-xdist workers of a fresh venv
test: install
	$(BIN)/python -c "import yapf"
	OMP_NUM_THREADS=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope tests

clean:
	rm -rf $(WORK) build *.egg-info mmlight/.mim
