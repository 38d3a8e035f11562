// Results leave the element in two standard shapes: a GstVideoRegionOfInterestMeta per face
// (param "emotion", DL Streamer's field names) and a facedetect-shaped bus message.
#pragma once

#include <string>
#include <vector>

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

#include "fer/frame_analyzer.hpp"

namespace feremotion {

void attach_roi_metas(GstBuffer* buffer, const std::vector<fer::FaceResult>& faces,
                      const std::vector<std::string>& classes);

// "feremotion" element message: timestamp, stream-time, running-time, duration, faces.
GstMessage* make_results_message(GstBaseTransform* trans, GstBuffer* buffer,
                                 const std::vector<fer::FaceResult>& faces, const std::vector<std::string>& classes);

}  // namespace feremotion
