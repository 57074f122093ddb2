// Every header of the library, public and detail: for this repository's own code on top of the
// stages (CLI, server, Python module, tests, benchmarks), which reaches past the Encoder.
// Users of the installed library include <bertcpp/bertcpp.h>.
#pragma once

#include <bertcpp/bertcpp.h>
#include <bertcpp/detail/encoder/modules.h>
#include <bertcpp/detail/heads/classifier.h>
#include <bertcpp/detail/encoder/dense.h>
#include <bertcpp/detail/heads/heads.h>
#include <bertcpp/detail/loaders/checkpoint.h>
#include <bertcpp/detail/loaders/names.h>
#include <bertcpp/detail/loaders/safetensors.h>
#include <bertcpp/detail/loaders/tensor.h>
#include <bertcpp/detail/model/bert_model.h>
#include <bertcpp/detail/model/family.h>
#include <bertcpp/detail/model/packed_linear.h>
#include <bertcpp/detail/model/token_batch.h>
#include <bertcpp/detail/model/weights.h>
#include <bertcpp/detail/tokenizer/folder.h>
#include <bertcpp/detail/tokenizer/normalizer.h>
#include <bertcpp/detail/tokenizer/pre_tokenizer.h>
#include <bertcpp/detail/tokenizer/tokenizer_json.h>
#include <bertcpp/detail/tokenizer/truncation.h>
#include <bertcpp/detail/tokenizer/wordpiece.h>
