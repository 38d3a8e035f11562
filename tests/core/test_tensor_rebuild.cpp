// The loader's tensor rebuild on hand-made files: memory stays within what the file holds,
// whatever its views declare.
#include <gtest/gtest.h>

#include <string>

#include "fer/errors.hpp"
#include "model/model_loader.hpp"
#include "model/tensor_convert.hpp"
#include "pickle_builder.hpp"

namespace {

using namespace fer::test;

// OrderedDict of `count` float tensors viewing storage record 0 (numel floats) with sizes/strides.
std::string views_of_one_storage(int count, int64_t numel, const std::vector<int64_t>& sizes,
                                 const std::vector<int64_t>& strides) {
  Pk p;
  p.proto().ordered_dict().mark();
  for (int i = 0; i < count; ++i) p.str("t" + std::to_string(i)).tensor("FloatStorage", "0", numel, 0, sizes, strides);
  p.op('u').stop();
  return make_zip({{"ck/data.pkl", p.s}, {"ck/data/0", std::string(numel * 4, '\0')}});
}

TEST(TensorRebuild, ViewsOfOneRecordShareOneCopy) {
  // 300 tensors over one 1 MiB record: one copy (1 MiB), not 300 (300 MiB).
  const fer::RawCheckpoint raw = fer::read_raw_checkpoint(views_of_one_storage(300, 1 << 18, {1 << 18}, {1}));
  const fer::StateDict sd = fer::state_dict_from_checkpoint(raw, *raw.root);
  ASSERT_EQ(sd.size(), 300u);
  for (const auto& [name, t] : sd) EXPECT_TRUE(t.is_alias_of(sd.begin()->second)) << name;
}

TEST(TensorRebuild, BroadcastViewsAreNotMaterialised) {
  // One float seen as 2^34 (stride 0): 64 GiB if copied out element by element.
  const int64_t huge = int64_t(1) << 34;
  const fer::RawCheckpoint raw = fer::read_raw_checkpoint(views_of_one_storage(1, 1, {huge}, {0}));
  const fer::StateDict sd = fer::state_dict_from_checkpoint(raw, *raw.root);
  EXPECT_EQ(sd.at("t0").numel(), huge);
  EXPECT_EQ(sd.at("t0").storage().nbytes(), 4u);
  // The whole loader gets past the tensors to the real problem: no ResNet keys.
  try {
    fer::load_classifier_bytes(views_of_one_storage(1, 1, {huge}, {0}), "broadcast.pth");
    ADD_FAILURE() << "loaded";
  } catch (const fer::ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load model 'broadcast.pth': its keys match no torchvision ResNet"),
              std::string::npos) << e.what();
  }
}

TEST(TensorRebuild, EmptyStoragesRebuild) {
  const fer::RawCheckpoint raw = fer::read_raw_checkpoint(views_of_one_storage(2, 0, {0, 3}, {3, 1}));
  const fer::StateDict sd = fer::state_dict_from_checkpoint(raw, *raw.root);
  EXPECT_EQ(sd.at("t1").sizes(), (std::vector<int64_t>{0, 3}));
}

}  // namespace
