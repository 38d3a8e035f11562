// The element under faults mid-stream: caps that change (size and format), the model file
// deleted or replaced while playing, an upstream error, a stalled live source. Frames keep
// flowing, errors come from the element at fault, and nothing hangs.
#include <chrono>
#include <cstdio>

#include "element_test_util.hpp"

namespace {

// Pushes `n` frames of the harness' current caps; returns how many came out.
int push_frames(GstHarness* h, int n, size_t size) {
  int out = 0;
  for (int i = 0; i < n; ++i) {
    GstBuffer* b = gst_harness_push_and_pull(h, gst_harness_create_buffer(h, size));
    if (b) ++out, gst_buffer_unref(b);
  }
  return out;
}

TEST_F(Element, CapsChangeMidStreamInSizeAndFormat) {
  GstHarness* h = listening_harness("feremotion async-classify=off model=" + model_file());
  int sent = 0, received = 0;
  const struct { const char* format; int w, h; size_t size; } steps[] = {
      {"BGR", 64, 48, 64 * 48 * 3}, {"BGR", 160, 120, 160 * 120 * 3}, {"NV12", 32, 32, 32 * 32 * 3 / 2},
      {"GRAY8", 100, 80, 100 * 80}, {"RGBA", 17, 9, 17 * 9 * 4}, {"BGR", 64, 48, 64 * 48 * 3}};
  for (const auto& s : steps) {
    gst_harness_set_src_caps_str(h, ("video/x-raw,framerate=30/1,format=" + std::string(s.format) + ",width=" +
                                     std::to_string(s.w) + ",height=" + std::to_string(s.h)).c_str());
    received += push_frames(h, 5, s.size);
    sent += 5;
  }
  EXPECT_EQ(received, sent) << "frames lost across caps changes";
  EXPECT_EQ(error_text(h->element), "");
  gst_harness_teardown(h);
}

TEST_F(Element, ModelFileDeletedOrReplacedWhilePlaying) {
  const fs::path path = tmp_dir() / "volatile.pth";
  fs::copy_file(model_file("volatile_src.pth"), path, fs::copy_options::overwrite_existing);
  GstHarness* h = listening_harness("feremotion detector=none model=" + path.string());
  gst_harness_set_src_caps_str(h, bgr_caps(32, 32).c_str());
  EXPECT_EQ(push_frames(h, 3, 32 * 32 * 3), 3);
  fs::remove(path);  // the loaded model stays in memory
  EXPECT_EQ(push_frames(h, 3, 32 * 32 * 3), 3);
  std::ofstream(path) << "garbage written over the model";
  gst_harness_set(h, "feremotion", "model", path.c_str(), nullptr);  // reload: fails, the old one stays
  EXPECT_EQ(push_frames(h, 3, 32 * 32 * 3), 3);
  fs::copy_file(model_file("volatile_new.pth"), path, fs::copy_options::overwrite_existing);
  const int before = feremotion::model_load_count();
  gst_harness_set(h, "feremotion", "model", path.c_str(), nullptr);  // a good file again: swapped in
  EXPECT_EQ(push_frames(h, 3, 32 * 32 * 3), 3);
  // The load runs in the background, after the bad file's if that one is still loading; stopping
  // drops a load not yet begun, so wait for it (frames keep flowing) before tearing down.
  for (int i = 0; i < 200 && feremotion::model_load_count() == before; ++i) {
    push_frames(h, 1, 32 * 32 * 3);
    g_usleep(50 * 1000);
  }
  EXPECT_EQ(error_text(h->element), "") << "a bad model while playing is a warning";
  gst_harness_teardown(h);
  EXPECT_EQ(feremotion::model_load_count() - before, 1);
}

TEST_F(Element, UpstreamErrorMidStreamStopsCleanlyAndTheElementRestarts) {
  const std::string desc = "videotestsrc num-buffers=100 ! video/x-raw,width=32,height=32 ! identity error-after=40 ! "
                           "feremotion detector=none model=" + model_file() + " ! fakesink name=sink";
  for (int attempt = 0; attempt < 2; ++attempt) {  // the same element type restarts after an error
    const Counted run = run_to_eos(gst_parse_launch(desc.c_str(), nullptr));
    EXPECT_EQ(run.frames, 39) << "frames before the error all arrived";
    EXPECT_NE(run.errors, "") << "identity's error reaches the bus";
  }
}

TEST_F(Element, StalledLiveSourceShutsDownPromptly) {
  // A live source that sends a few frames and then nothing: NULL must not wait for data.
  GstElement* pipe = gst_parse_launch(("appsrc name=src is-live=true format=time caps=" + bgr_caps(32, 32) +
                                       " ! feremotion async-classify=on detector=none model=" + model_file() +
                                       " ! fakesink sync=false").c_str(), nullptr);
  annotate_handoffs(pipe);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  for (int i = 0; i < 5; ++i) {
    GstBuffer* b = gst_buffer_new_and_alloc(32 * 32 * 3);
    gst_buffer_memset(b, 0, 100, 32 * 32 * 3);
    GST_BUFFER_PTS(b) = i * GST_SECOND / 30;
    push_to_appsrc(src, b);
  }
  g_usleep(500 * 1000);  // stalled
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(gst_element_set_state(pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("NULL after a stall took %.0f ms\n", ms);
  EXPECT_LT(ms, 2000);
  gst_object_unref(src);
  gst_object_unref(pipe);
}

TEST_F(Element, NullWaitsForTheClassificationInFlight) {
  // A classification of seconds on a worker thread, in flight when the state goes to NULL. Once
  // NULL returns nothing of the element may run (a process may exit then): nobody holds the model
  // any more, so asking the cache for it loads it again. Before, the worker ran on past NULL.
  const std::string path = (tmp_dir() / "slow.pth").string();
  fer::Classifier::create("resnet50", fer::default_classes(), 512)->save(path);
  GstHarness* h = gst_harness_new_parse(("feremotion async-classify=on detector=none model=" + path).c_str());
  gst_harness_set_src_caps_str(h, bgr_caps(64, 64).c_str());
  GstBuffer* out = gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 64 * 64 * 3));
  ASSERT_NE(out, nullptr);
  gst_buffer_unref(out);  // the frame went on; its classification is still running
  ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  const int before = feremotion::model_load_count();
  auto again = feremotion::acquire_model(path, "cpu", "", fer::Precision::Auto);
  EXPECT_EQ(feremotion::model_load_count(), before + 1) << "the model was still held after NULL";
  again.reset();
  gst_harness_teardown(h);
}

}  // namespace
