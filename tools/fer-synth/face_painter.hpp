// Procedural cartoon-photo faces whose brows, eyes and mouth show one of five emotions: data that
// needs no download, for the demo and for tests. The shading follows what a frontal-face Haar
// cascade looks for (dark eye band, lighter nose bridge and cheeks), so the default detector finds them.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace fer::synth {

// The demo's classes, in the order of fer-train's default (folder names sorted).
const std::vector<std::string>& emotion_names();  // Anger, Fear, Happy, Neutral, Sad

// What the face does. Each emotion draws its own from a range, so no two faces are alike.
struct Expression {
  float brow_inner = 0;   // inner brow end height (+ up), in head widths
  float brow_outer = 0;   // outer brow end height
  float brow_gap = 0;     // brows drawn together (+) or apart (-)
  float eye_open = 1;     // eyelid opening, 1 = relaxed
  float mouth_curve = 0;  // corners up (+, smile) or down (-)
  float mouth_open = 0;   // lip gap, in head widths
  float mouth_width = 1;  // relative to a relaxed mouth
  bool teeth = false;
};
Expression expression_for(int emotion, std::mt19937& rng);

// Who the face is and how it is seen: constant for a person, varied across people.
struct Look {
  cv::Scalar skin, hair, iris, lips;
  float hair_volume = 1;   // 0 = bald
  float yaw = 0;           // features shifted sideways, -1..1 (a head turned slightly)
  float roll_deg = 0;      // in-plane tilt
  float aspect = 1.3f;     // head height / width
};
Look random_look(std::mt19937& rng);

// Paints a face centred at centre, head_width pixels wide, onto a BGR canvas; returns the box a
// detector is expected to find (the square the Haar cascade reports).
cv::Rect paint_face(cv::Mat& canvas, cv::Point2f centre, float head_width, const Look& look, const Expression& ex);

// A random background: gradients, soft blobs and stripes, nothing face-like.
void paint_background(cv::Mat& canvas, std::mt19937& rng);

// Lighting from one side, sensor noise and a little blur, as a camera would give.
void finish_photo(cv::Mat& canvas, std::mt19937& rng, float noise_sigma_max = 6.f);

}  // namespace fer::synth
