// The model-family table: BERT is claimed by model_type (and by Google's configs, which have
// none), an unknown family is refused by name, and the position offset reaches the batch.
#include <bertcpp/loaders/config.h>
#include <bertcpp/detail/model/family.h>
#include <bertcpp/detail/model/token_batch.h>

#include <gtest/gtest.h>

namespace bertcpp {
namespace {

const char* kConfig =
    R"({"vocab_size": 100, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16)";

TEST(ModelFamily, BertIsClaimedByItsModelTypeAndByConfigsWithoutOne) {
  const BertConfig google = BertConfig::from_json(std::string(kConfig) + "}");
  EXPECT_EQ(google.model_type, "bert");
  const ModelFamily& bert = family_for(google);
  EXPECT_STREQ(bert.name, "bert");
  EXPECT_EQ(bert.position_offset(google), 0);
  EXPECT_TRUE(bert.uses_token_types);
  EXPECT_STREQ(bert.cls_token, "[CLS]");
  const BertConfig hf = BertConfig::from_json(std::string(kConfig) + R"(, "model_type": "bert", "pad_token_id": 0})");
  EXPECT_EQ(&family_for(hf), &bert);
  // to_json keeps the family fields.
  EXPECT_EQ(BertConfig::from_json(hf.to_json()).model_type, "bert");
}

TEST(ModelFamily, AnUnknownFamilyIsRefusedByName) {
  const BertConfig roberta = BertConfig::from_json(std::string(kConfig) + R"(, "model_type": "roberta", "pad_token_id": 1})");
  EXPECT_EQ(roberta.pad_token_id, 1);
  try {
    family_for(roberta);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "config.json: field \"model_type\" is \"roberta\", no supported model family (supported: bert); see the README's "
                 "\"Adding a model family\"");
  }
  EXPECT_THROW(BertConfig::from_json(std::string(kConfig) + R"(, "pad_token_id": -1})"), std::runtime_error);
}

TEST(ModelFamily, ThePositionOffsetReachesTheBatch) {
  Encoding e;
  e.ids = {101, 7, 102};
  const TokenBatch batch = TokenBatch::from_encodings({e, e}, 2);
  EXPECT_EQ(batch.positions, (std::vector<int32_t>{2, 3, 4, 2, 3, 4}));
  const int32_t ids[] = {101, 7, 102, 0}, mask[] = {1, 1, 1, 0};
  EXPECT_EQ(TokenBatch::from_padded(ids, mask, nullptr, 1, 4, 2).positions, (std::vector<int32_t>{2, 3, 4}));
}

}  // namespace
}  // namespace bertcpp
