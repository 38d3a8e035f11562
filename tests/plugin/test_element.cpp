// The element through GstHarness: formats, pixels, errors, lifetimes, sharing.
#include <atomic>
#include <chrono>
#include <thread>

#include "element_test_util.hpp"
#include "fer/emotion_colours.hpp"

namespace {

TEST_F(Element, EveryListedFormatNegotiates) {
  const std::string model = model_file();
  for (const char* fmt : {"YUY2", "UYVY", "I420", "NV12", "BGR", "RGB", "BGRx", "BGRA", "RGBx", "RGBA", "xRGB",
                          "ARGB", "GRAY8"}) {
    GstHarness* h = gst_harness_new_parse(("feremotion model=" + model).c_str());
    gst_harness_set_src_caps_str(h, (std::string("video/x-raw,width=64,height=48,framerate=30/1,format=") + fmt).c_str());
    GstVideoInfo info;
    gst_video_info_set_format(&info, gst_video_format_from_string(fmt), 64, 48);
    GstBuffer* out = gst_harness_push_and_pull(h, gst_harness_create_buffer(h, GST_VIDEO_INFO_SIZE(&info)));
    EXPECT_NE(out, nullptr) << fmt;
    if (out) gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
}

TEST_F(Element, RefusesFormatsItCannotRead) {
  GstHarness* h = gst_harness_new_parse(("feremotion model=" + model_file()).c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=RGB16,width=64,height=48,framerate=30/1");
  EXPECT_EQ(gst_harness_push(h, gst_harness_create_buffer(h, 64 * 48 * 2)), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown(h);
}

TEST_F(Element, MissingCorruptOrAbsentModelFailsNamingTheFile) {
  const std::string corrupt = (tmp_dir() / "corrupt.pth").string();
  std::ofstream(corrupt) << "PK\x03\x04 garbage that is no zip";
  for (const std::string& path : {(tmp_dir() / "missing.pth").string(), corrupt, std::string()}) {
    GstElement* e = gst_element_factory_make("feremotion", nullptr);
    if (!path.empty()) g_object_set(e, "model", path.c_str(), nullptr);
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(e, bus);
    EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE) << path;
    const std::string text = error_text(e);
    EXPECT_NE(text.find(path.empty() ? "model" : path), std::string::npos) << text;
    EXPECT_EQ(gst_element_set_state(e, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref(bus);
    gst_object_unref(e);
  }
}

TEST_F(Element, OverlayOffLeavesPixelsAndOnChangesOnlyNearFaces) {
  cv::Rect face;
  const cv::Mat frame = face_frame(&face);
  if (frame.empty()) GTEST_SKIP() << "../shared/data/faces5 absent (set FER_SHARED)";
  for (bool overlay : {false, true}) {
    // GstHarness is live, which would classify in the background: this test wants frame 0's result.
    GstHarness* h = gst_harness_new_parse(("feremotion async-classify=off model=" + model_file() + " overlay=" +
                                           (overlay ? "true" : "false")).c_str());
    gst_harness_set_src_caps_str(h, bgr_caps(frame.cols, frame.rows).c_str());
    GstBuffer* out = gst_harness_push_and_pull(h, buffer_of(frame));
    ASSERT_NE(out, nullptr);
    auto* roi = gst_buffer_get_video_region_of_interest_meta(out);
    ASSERT_NE(roi, nullptr) << "no face found";
    const cv::Mat result = mat_of(out, frame.cols, frame.rows);
    cv::Mat diff;
    cv::cvtColor(cv::abs(result - frame) , diff, cv::COLOR_BGR2GRAY);
    if (!overlay) {
      EXPECT_EQ(cv::countNonZero(diff), 0);
    } else {
      const cv::Rect box(roi->x, roi->y, roi->w, roi->h);
      // The box's lines and the label above it: nothing beyond a band around the box.
      const cv::Rect near(box.x - 8, box.y - 60, box.width + 200, box.height + 68);
      cv::Mat outside = diff.clone();
      outside(near & cv::Rect(0, 0, frame.cols, frame.rows)).setTo(0);
      EXPECT_GT(cv::countNonZero(diff), 500) << "overlay drew nothing";
      EXPECT_EQ(cv::countNonZero(outside), 0) << "pixels changed away from the face";
      // The box is drawn in its emotion's colour, the one fer-report's plots use (a BGR frame: exact).
      const GstStructure* emotion = gst_video_region_of_interest_meta_get_param(roi, "emotion");
      ASSERT_NE(emotion, nullptr);
      int label_id = -1;
      gst_structure_get_int(emotion, "label_id", &label_id);
      const fer::Rgb want = fer::emotion_colour(gst_structure_get_string(emotion, "label"), static_cast<size_t>(label_id));
      const cv::Vec3b left_edge = result.at<cv::Vec3b>(box.y + box.height / 2, box.x);
      EXPECT_EQ(left_edge, cv::Vec3b(want.b, want.g, want.r)) << gst_structure_get_string(emotion, "label");
    }
    gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
}

TEST_F(Element, TinyAndHugeFramesWork) {
  for (auto [w, h] : {std::pair{16, 16}, std::pair{3840, 2160}}) {
    GstHarness* hh = gst_harness_new_parse(("feremotion model=" + model_file()).c_str());
    gst_harness_set_src_caps_str(hh, ("video/x-raw,format=NV12,framerate=30/1,width=" + std::to_string(w) +
                                      ",height=" + std::to_string(h)).c_str());
    GstBuffer* out = gst_harness_push_and_pull(hh, gst_harness_create_buffer(hh, w * h * 3 / 2));
    EXPECT_NE(out, nullptr) << w << "x" << h;
    if (out) gst_buffer_unref(out);
    gst_harness_teardown(hh);
  }
}

TEST_F(Element, TwoElementsShareOneLoadedModel) {
  const std::string model = model_file("shared.pth");
  const int before = feremotion::model_load_count();
  GstHarness* h = gst_harness_new_parse(("feremotion model=" + model + " ! feremotion model=" + model).c_str());
  gst_harness_set_src_caps_str(h, bgr_caps(32, 32).c_str());
  GstBuffer* out = gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3));
  ASSERT_NE(out, nullptr);
  gst_buffer_unref(out);
  EXPECT_EQ(feremotion::model_load_count() - before, 1);
  gst_harness_teardown(h);
}

TEST_F(Element, NewModelWhilePlayingSwapsAndABadOneWarns) {
  const std::string a = model_file("a.pth"), b = model_file("b.pth");
  GstHarness* h = listening_harness("feremotion detector=none model=" + a);
  gst_harness_set_src_caps_str(h, bgr_caps(32, 32).c_str());
  gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
  const int before = feremotion::model_load_count();
  gst_harness_set(h, "feremotion", "model", b.c_str(), nullptr);  // loads in the background
  for (int i = 0; i < 200 && feremotion::model_load_count() == before; ++i) {
    gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
    g_usleep(50 * 1000);
  }
  EXPECT_EQ(feremotion::model_load_count() - before, 1) << "b.pth was not loaded within 10 s";
  const std::string nowhere = (tmp_dir() / "nowhere.pth").string();
  gst_harness_set(h, "feremotion", "model", nowhere.c_str(), nullptr);
  for (int i = 0; i < 5; ++i) gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
  gst_harness_set(h, "feremotion", "detector", GST_FEREMOTION_DETECTOR_HAAR, "interval", 3, "overlay", FALSE, nullptr);
  gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
  GstBus* bus = gst_element_get_bus(h->element);
  GstMessage* warning = next_message(bus, 10 * GST_SECOND, GST_MESSAGE_WARNING);
  ASSERT_NE(warning, nullptr) << "no warning for a model that does not exist";
  GError* err = nullptr;
  gst_message_parse_warning(warning, &err, nullptr);
  EXPECT_NE(std::string(err->message).find("'" + nowhere + "' does not exist"), std::string::npos) << err->message;
  EXPECT_TRUE(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND)) << err->message;
  g_error_free(err);
  gst_message_unref(warning);
  gst_object_unref(bus);
  gst_harness_teardown(h);
  EXPECT_EQ(feremotion::model_load_count() - before, 1) << "nowhere.pth must fail, not load";
}

TEST_F(Element, CyclesAndLongRunsDoNotGrowMemory) {
  const std::string model = model_file("cycles.pth");
  GstElement* pipe = gst_parse_launch(("videotestsrc num-buffers=3 ! video/x-raw,width=64,height=64 ! "
                                       "feremotion detector=none model=" + model + " ! fakesink").c_str(), nullptr);
  auto cycle = [&] {
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    gst_element_get_state(pipe, nullptr, nullptr, GST_CLOCK_TIME_NONE);
    gst_element_set_state(pipe, GST_STATE_NULL);
  };
  for (int i = 0; i < 10; ++i) cycle();
  const long warm = heap_kib();
  for (int i = 0; i < 100; ++i) cycle();
  const long after_cycles = heap_kib();
  gst_object_unref(pipe);
  std::printf("heap in use after 10 cycles %ld KiB, after 100 more %ld KiB\n", warm, after_cycles);
  EXPECT_LT(after_cycles - warm, 1024);

  run_to_eos(tiny_pipeline(model, 500));
  const long short_run = heap_kib();
  const Counted soak = run_to_eos(tiny_pipeline(model, 10000));
  const long long_run = heap_kib();
  std::printf("heap in use after 500 frames %ld KiB, after 10000 more %ld KiB\n", short_run, long_run);
  EXPECT_EQ(soak.frames, 10000);
  EXPECT_EQ(soak.errors, "");
  EXPECT_LT(long_run - short_run, 1024);
}

TEST_F(Element, ModelSwapsAndPropertyChangesFromAnotherThreadWhilePlaying) {
  const std::string a = model_file("swap_a.pth"), b = model_file("swap_b.pth");
  const std::string bad = (tmp_dir() / "swap_bad.pth").string();
  std::ofstream(bad) << "not a model";
  // Four elements on one model (two branches of a tee), all changed from a second thread.
  std::string desc = "videotestsrc num-buffers=3000 ! video/x-raw,format=BGR,width=48,height=32 ! tee name=t ";
  for (int branch = 0; branch < 2; ++branch) {
    desc += "t. ! queue ! ";
    for (int k = 0; k < 2; ++k) desc += "feremotion name=e" + std::to_string(2 * branch + k) + " model=" + a +
                                         " detector=none ! ";
    desc += "fakesink" + std::string(branch == 0 ? " name=sink " : " ");
  }
  const int loads_before = feremotion::model_load_count();
  GstElement* pipe = gst_parse_launch(desc.c_str(), nullptr);
  ASSERT_NE(pipe, nullptr) << desc;
  annotate_handoffs(pipe);
  Counted run;
  count_frames(pipe, run);
  gst_element_set_state(pipe, GST_STATE_PAUSED);
  gst_element_get_state(pipe, nullptr, nullptr, GST_CLOCK_TIME_NONE);
  EXPECT_EQ(feremotion::model_load_count() - loads_before, 1) << "four elements, one model, one load";
  std::atomic<bool> done{false};
  std::atomic<int> changes{0};
  std::thread poker([&] {
    for (int i = 0; !done; ++i) {
      GstElement* e = gst_bin_get_by_name(GST_BIN(pipe), ("e" + std::to_string(i % 4)).c_str());
      const char* model = i % 7 == 3 ? bad.c_str() : (i % 2 ? b.c_str() : a.c_str());
      g_object_set(e, "model", model, "interval", 1 + i % 3, "smoothing", (i % 5) / 5.0, "overlay", i % 2 == 0,
                   "detector", i % 3 == 0 ? GST_FEREMOTION_DETECTOR_HAAR : GST_FEREMOTION_DETECTOR_NONE,
                   "max-faces", 1 + i % 4, "margin", 0.1 * (i % 3), nullptr);
      gst_object_unref(e);
      ++changes;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  play_to_eos(pipe, run);
  done = true;
  poker.join();
  std::printf("%d property changes (model swaps among them) while 3000 frames ran through four elements\n",
              changes.load());
  EXPECT_EQ(run.frames, 3000) << "frames lost";
  EXPECT_EQ(run.errors, "") << "a bad model while playing is a warning, never an error";
  EXPECT_GT(changes.load(), 5);
}

}  // namespace}  // namespace

namespace {

// detector=none on a tiny frame: every field of the ROI meta and of its emotion param, against
// values known beforehand (the frame, the labels) or computed here from the classifier alone.
TEST_F(Element, KnownValuesOnATinyFrame) {
  const int w = 36, h = 28;
  cv::Mat frame(h, w, CV_8UC3);
  cv::randu(frame, 0, 255);
  const std::string labels = "a,b,c,d,e";
  GstHarness* h_ = gst_harness_new_parse(("feremotion detector=none async-classify=off smoothing=0 overlay=false "
                                          "labels=" + labels + " model=" + model_file()).c_str());
  gst_harness_set_src_caps_str(h_, bgr_caps(w, h).c_str());
  GstBuffer* out = gst_harness_push_and_pull(h_, buffer_of(frame));
  ASSERT_NE(out, nullptr);

  ASSERT_EQ(gst_buffer_get_n_meta(out, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 1u);
  auto* roi = gst_buffer_get_video_region_of_interest_meta(out);
  EXPECT_STREQ(g_quark_to_string(roi->roi_type), "face");
  EXPECT_EQ(roi->x, 0u);
  EXPECT_EQ(roi->y, 0u);
  EXPECT_EQ(roi->w, static_cast<guint>(w));
  EXPECT_EQ(roi->h, static_cast<guint>(h));
  EXPECT_EQ(roi->id, 1);  // the first track
  EXPECT_EQ(gst_video_region_of_interest_meta_get_param(roi, "landmarks"), nullptr) << "detector=none has none";
  const GstStructure* object = gst_video_region_of_interest_meta_get_param(roi, "object_id");
  ASSERT_NE(object, nullptr);
  int object_id = 0;
  EXPECT_TRUE(gst_structure_get_int(object, "id", &object_id));
  EXPECT_EQ(object_id, 1);

  const GstStructure* emotion = gst_video_region_of_interest_meta_get_param(roi, "emotion");
  ASSERT_NE(emotion, nullptr);
  const GValue* scores = gst_structure_get_value(emotion, "scores");
  const GValue* classes = gst_structure_get_value(emotion, "classes");
  ASSERT_EQ(gst_value_array_get_size(scores), 5u);
  ASSERT_EQ(gst_value_array_get_size(classes), 5u);
  // The same frame through the classifier alone: the whole frame is the face.
  const auto expected = fer::Classifier::load(model_file())->classify({frame}).at(0);
  double sum = 0, best = -1;
  int best_id = -1;
  for (guint c = 0; c < 5; ++c) {
    const double p = g_value_get_double(gst_value_array_get_value(scores, c));
    EXPECT_STREQ(g_value_get_string(gst_value_array_get_value(classes, c)), std::string(1, 'a' + c).c_str());
    EXPECT_NEAR(p, expected[c], 1e-6) << "class " << c;
    sum += p;
    if (p > best) best = p, best_id = static_cast<int>(c);
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  int label_id = -1, track_id = -1;
  double confidence = 0;
  gboolean fresh = FALSE;
  EXPECT_TRUE(gst_structure_get_int(emotion, "label_id", &label_id));
  EXPECT_EQ(label_id, best_id);
  EXPECT_STREQ(gst_structure_get_string(emotion, "label"), std::string(1, 'a' + best_id).c_str());
  EXPECT_TRUE(gst_structure_get_double(emotion, "confidence", &confidence));
  EXPECT_DOUBLE_EQ(confidence, best);
  EXPECT_TRUE(gst_structure_get_int(emotion, "track_id", &track_id));
  EXPECT_EQ(track_id, 1);
  EXPECT_TRUE(gst_structure_get_boolean(emotion, "fresh", &fresh));
  EXPECT_TRUE(fresh) << "classified on this very frame";
  EXPECT_STREQ(gst_structure_get_string(emotion, "model_name"), "feremotion");
  EXPECT_TRUE(cv::norm(mat_of(out, w, h), frame, cv::NORM_INF) == 0) << "overlay=false leaves every pixel";
  gst_buffer_unref(out);
  gst_harness_teardown(h_);
}

}  // namespace
