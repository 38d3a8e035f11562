#include "results_out.hpp"

#include <gst/video/gstvideometa.h>

namespace feremotion {
namespace {

// label, label_id, confidence, class scores, track id, and whether it was classified on this
// frame (else reused from an earlier one): shared by meta and message.
void set_emotion_fields(GstStructure* s, const fer::FaceResult& f, const std::vector<std::string>& classes) {
  GValue scores = G_VALUE_INIT, names = G_VALUE_INIT, v = G_VALUE_INIT;
  gst_value_array_init(&scores, classes.size());
  gst_value_array_init(&names, classes.size());
  for (size_t c = 0; c < classes.size(); ++c) {
    g_value_init(&v, G_TYPE_DOUBLE);
    g_value_set_double(&v, f.probs[c]);
    gst_value_array_append_and_take_value(&scores, &v);
    g_value_init(&v, G_TYPE_STRING);
    g_value_set_string(&v, classes[c].c_str());
    gst_value_array_append_and_take_value(&names, &v);
  }
  gst_structure_set(s, "label", G_TYPE_STRING, classes[f.label_id].c_str(), "label_id", G_TYPE_INT,
                    static_cast<gint>(f.label_id), "confidence", G_TYPE_DOUBLE, static_cast<gdouble>(f.confidence),
                    "track_id", G_TYPE_INT, f.track_id, "fresh", G_TYPE_BOOLEAN, f.fresh, nullptr);
  gst_structure_take_value(s, "scores", &scores);
  gst_structure_take_value(s, "classes", &names);
}

// x0, y0, x1, y1, ... in frame pixels, the order of fer::Face::landmarks.
void set_landmarks(GstStructure* s, const char* field, const std::vector<cv::Point2f>& points) {
  GValue xy = G_VALUE_INIT, v = G_VALUE_INIT;
  gst_value_array_init(&xy, 2 * points.size());
  for (const auto& p : points)
    for (float c : {p.x, p.y}) {
      g_value_init(&v, G_TYPE_DOUBLE);
      g_value_set_double(&v, c);
      gst_value_array_append_and_take_value(&xy, &v);
    }
  gst_structure_take_value(s, field, &xy);
}

const char* const kLandmarkNames[] = {"right_eye", "left_eye", "nose_tip", "right_mouth_corner", "left_mouth_corner"};

}  // namespace

void attach_roi_metas(GstBuffer* buffer, const std::vector<fer::FaceResult>& faces,
                      const std::vector<std::string>& classes) {
  for (const auto& f : faces) {
    GstVideoRegionOfInterestMeta* meta =
        gst_buffer_add_video_region_of_interest_meta(buffer, "face", f.box.x, f.box.y, f.box.width, f.box.height);
    meta->id = f.track_id;
    GstStructure* emotion = gst_structure_new_empty("emotion");
    set_emotion_fields(emotion, f, classes);
    gst_structure_set(emotion, "model_name", G_TYPE_STRING, "feremotion", nullptr);
    gst_video_region_of_interest_meta_add_param(meta, emotion);
    if (f.landmarks.size() == 5) {
      GstStructure* lm = gst_structure_new_empty("landmarks");
      set_landmarks(lm, "points", f.landmarks);
      GValue names = G_VALUE_INIT, v = G_VALUE_INIT;
      gst_value_array_init(&names, 5);
      for (const char* n : kLandmarkNames) {
        g_value_init(&v, G_TYPE_STRING);
        g_value_set_string(&v, n);
        gst_value_array_append_and_take_value(&names, &v);
      }
      gst_structure_take_value(lm, "names", &names);
      gst_video_region_of_interest_meta_add_param(meta, lm);
    }
    // DL Streamer's trackers publish the track id this way.
    gst_video_region_of_interest_meta_add_param(meta, gst_structure_new("object_id", "id", G_TYPE_INT, f.track_id, nullptr));
  }
}

GstMessage* make_results_message(GstBaseTransform* trans, GstBuffer* buffer,
                                 const std::vector<fer::FaceResult>& faces, const std::vector<std::string>& classes) {
  const GstClockTime ts = GST_BUFFER_PTS(buffer);
  GstClockTime running = GST_CLOCK_TIME_NONE, stream = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID(ts) && trans->segment.format == GST_FORMAT_TIME) {
    running = gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, ts);
    stream = gst_segment_to_stream_time(&trans->segment, GST_FORMAT_TIME, ts);
  }
  GstStructure* s = gst_structure_new("feremotion", "timestamp", G_TYPE_UINT64, ts, "stream-time", G_TYPE_UINT64, stream,
                                      "running-time", G_TYPE_UINT64, running, "duration", G_TYPE_UINT64,
                                      GST_BUFFER_DURATION(buffer), nullptr);
  GValue list = G_VALUE_INIT, item = G_VALUE_INIT;
  g_value_init(&list, GST_TYPE_LIST);
  for (const auto& f : faces) {
    GstStructure* face = gst_structure_new("face", "x", G_TYPE_UINT, static_cast<guint>(f.box.x), "y", G_TYPE_UINT,
                                           static_cast<guint>(f.box.y), "width", G_TYPE_UINT,
                                           static_cast<guint>(f.box.width), "height", G_TYPE_UINT,
                                           static_cast<guint>(f.box.height), nullptr);
    set_emotion_fields(face, f, classes);
    if (!f.landmarks.empty()) set_landmarks(face, "landmarks", f.landmarks);
    g_value_init(&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&item, face);
    gst_value_list_append_and_take_value(&list, &item);
  }
  gst_structure_take_value(s, "faces", &list);
  return gst_message_new_element(GST_OBJECT(trans), s);
}

}  // namespace feremotion
