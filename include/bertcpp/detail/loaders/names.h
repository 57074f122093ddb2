// One naming for every checkpoint format, so the model looks tensors up one way.
//
// Canonical names are Hugging Face's BertForPreTraining names WITHOUT the "bert." prefix, every
// matrix [out, in] row-major (torch.nn.Linear's layout). With L = layer index, H = hidden size,
// I = intermediate size, V = vocabulary size, P = max positions, T = type vocabulary size:
//
//   embeddings.word_embeddings.weight                    [V, H]
//   embeddings.position_embeddings.weight                [P, H]
//   embeddings.token_type_embeddings.weight              [T, H]
//   embeddings.LayerNorm.weight / .bias                  [H]
//   encoder.layer.L.attention.self.query.weight          [H, H]   (.bias [H]; same for key, value)
//   encoder.layer.L.attention.output.dense.weight        [H, H]   (.bias [H])
//   encoder.layer.L.attention.output.LayerNorm.weight    [H]      (.bias [H])
//   encoder.layer.L.intermediate.dense.weight            [I, H]   (.bias [I])
//   encoder.layer.L.output.dense.weight                  [H, I]   (.bias [H])
//   encoder.layer.L.output.LayerNorm.weight              [H]      (.bias [H])
//   pooler.dense.weight                                  [H, H]   (.bias [H])          optional
//   cls.predictions.transform.dense.weight               [H, H]   (.bias [H])          MLM head, optional
//   cls.predictions.transform.LayerNorm.weight           [H]      (.bias [H])
//   cls.predictions.decoder.weight                       [V, H]   absent when tied to the word embeddings
//   cls.predictions.bias                                 [V]
//   cls.seq_relationship.weight                          [2, H]   (.bias [2])          NSP head, optional
//
// Accepted inputs:
//  * Hugging Face, with or without "bert." (BertModel, BertForPreTraining,
//    BertForSequenceClassification...), old "LayerNorm.gamma"/".beta" for .weight/.bias, and
//    "cls.predictions.decoder.bias" when "cls.predictions.bias" is absent.
//  * Google TensorFlow: "bert/encoder/layer_0/attention/self/query/kernel" etc.; 2-D kernels are
//    transposed from TF's [in, out] (a copy), "gamma"/"beta" become weight/bias, the embedding
//    tables gain ".weight", cls/predictions/output_bias -> cls.predictions.bias,
//    cls/seq_relationship/output_weights [2, H] -> cls.seq_relationship.weight (already [out, in]),
//    cls/seq_relationship/output_bias -> cls.seq_relationship.bias.
// Names that match none of this (e.g. "classifier.weight") are kept as they are.
#pragma once

#include <bertcpp/detail/loaders/tensor.h>

#include <string>

namespace bertcpp {

// Throws std::runtime_error naming both sources when two tensors map to the same canonical name
// (e.g. a file holding both "bert.pooler.dense.weight" and "pooler.dense.weight").
TensorMap to_canonical_names(TensorMap tensors);

// The canonical name of one checkpoint name, and whether its tensor must be transposed.
struct CanonicalName {
  std::string name;
  bool transpose = false;
};
CanonicalName canonical_name(const std::string& checkpoint_name);

}  // namespace bertcpp
