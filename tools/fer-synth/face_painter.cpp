#include "face_painter.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fer::synth {
namespace {

float uniform(std::mt19937& rng, float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

cv::Scalar scaled(const cv::Scalar& c, double k) {
  return {std::min(255.0, c[0] * k), std::min(255.0, c[1] * k), std::min(255.0, c[2] * k)};
}

// Face-local coordinates are in head widths, origin at the head's centre, v pointing down; Pose
// maps them to canvas pixels with the look's tilt.
struct Pose {
  cv::Point2f centre;
  float width, cos_r, sin_r, yaw;
  cv::Point2f operator()(float u, float v) const {
    const float x = u * width, y = v * width;
    return {centre.x + x * cos_r - y * sin_r, centre.y + x * sin_r + y * cos_r};
  }
  // Features sit on a turned head: they slide towards the side it turns to.
  cv::Point2f feature(float u, float v) const { return (*this)(u + yaw * 0.07f * std::cos(u * 2.5f), v); }
  int px(float len) const { return std::max(1, static_cast<int>(std::lround(len * width))); }
  float deg() const { return std::atan2(sin_r, cos_r) * 180.f / static_cast<float>(CV_PI); }
};

void ellipse(cv::Mat& img, const Pose& p, cv::Point2f c, float au, float av, const cv::Scalar& colour,
             int thickness = cv::FILLED) {
  const cv::Size2f axes(au * p.width, av * p.width);
  cv::ellipse(img, cv::RotatedRect(c, axes * 2.f, p.deg()), colour, thickness, cv::LINE_AA);
}

// A quadratic curve through three face-local points, as canvas points.
std::vector<cv::Point> curve(const Pose& p, cv::Point2f a, cv::Point2f mid, cv::Point2f b, int steps = 12) {
  std::vector<cv::Point> pts;
  // Control point so the curve passes through mid at t = 0.5.
  const cv::Point2f ctrl = mid * 2.f - (a + b) * 0.5f;
  for (int i = 0; i <= steps; ++i) {
    const float t = static_cast<float>(i) / steps;
    const cv::Point2f q = a * ((1 - t) * (1 - t)) + ctrl * (2 * t * (1 - t)) + b * (t * t);
    pts.push_back(p.feature(q.x, q.y));
  }
  return pts;
}

void draw_eye(cv::Mat& img, const Pose& p, float u, const Look& look, const Expression& ex) {
  const float v = -0.08f;
  ellipse(img, p, p.feature(u, v), 0.15f, 0.095f, scaled(look.skin, 0.55));  // socket shadow
  const float h = 0.042f * ex.eye_open;
  ellipse(img, p, p.feature(u, v), 0.09f, h, {190, 198, 202});
  ellipse(img, p, p.feature(u, v + 0.004f), 0.045f, std::min(0.045f, h * 0.95f), look.iris);
  ellipse(img, p, p.feature(u, v + 0.004f), 0.016f, std::min(0.016f, h * 0.5f), {15, 15, 15});
  // Upper lid: a dark arc over the eye's top half.
  const auto lid = curve(p, {u - 0.095f, v}, {u, v - h - 0.004f}, {u + 0.095f, v});
  cv::polylines(img, lid, false, scaled(look.hair, 0.6), p.px(0.014f), cv::LINE_AA);
}

void draw_brow(cv::Mat& img, const Pose& p, float side, const Look& look, const Expression& ex) {
  const float base = -0.2f, inner_u = side * (0.07f - ex.brow_gap), outer_u = side * 0.31f;
  const cv::Point2f inner(inner_u, base - ex.brow_inner), outer(outer_u, base - ex.brow_outer);
  const cv::Point2f mid((inner.x + outer.x) / 2, (inner.y + outer.y) / 2 - 0.025f);
  // Brows darker than any hair colour: the dark band over the eyes is what the cascade needs most.
  cv::polylines(img, curve(p, inner, mid, outer), false, scaled(look.hair, 0.25) + cv::Scalar(12, 12, 12), p.px(0.05f),
                cv::LINE_AA);
}

void draw_mouth(cv::Mat& img, const Pose& p, const Look& look, const Expression& ex) {
  const float v = 0.34f, hw = 0.15f * ex.mouth_width;
  const float corner_v = v - 0.07f * ex.mouth_curve, centre_v = v + 0.025f * ex.mouth_curve;
  const cv::Point2f l(-hw, corner_v), r(hw, corner_v);
  const int lip = p.px(0.022f);
  if (ex.mouth_open > 0.01f) {
    auto upper = curve(p, l, {0, centre_v - ex.mouth_open * 0.35f}, r);
    auto lower = curve(p, r, {0, centre_v + ex.mouth_open}, l);
    std::vector<cv::Point> hole(upper);
    hole.insert(hole.end(), lower.begin(), lower.end());
    cv::fillPoly(img, std::vector<std::vector<cv::Point>>{hole}, {35, 25, 45}, cv::LINE_AA);
    if (ex.teeth) {
      auto teeth = curve(p, {-hw * 0.8f, corner_v + 0.005f}, {0, centre_v - ex.mouth_open * 0.3f},
                         {hw * 0.8f, corner_v + 0.005f});
      auto bottom = curve(p, {hw * 0.75f, corner_v + 0.012f}, {0, centre_v + ex.mouth_open * 0.25f},
                          {-hw * 0.75f, corner_v + 0.012f});
      teeth.insert(teeth.end(), bottom.begin(), bottom.end());
      cv::fillPoly(img, std::vector<std::vector<cv::Point>>{teeth}, {225, 235, 240}, cv::LINE_AA);
    }
    cv::polylines(img, std::vector<std::vector<cv::Point>>{upper, lower}, false, look.lips, lip, cv::LINE_AA);
  } else {
    cv::polylines(img, curve(p, l, {0, centre_v}, r), false, look.lips, lip + 1, cv::LINE_AA);
  }
}

}  // namespace

const std::vector<std::string>& emotion_names() {
  static const std::vector<std::string> names{"Anger", "Fear", "Happy", "Neutral", "Sad"};
  return names;
}

Expression expression_for(int emotion, std::mt19937& rng) {
  auto u = [&](float lo, float hi) { return uniform(rng, lo, hi); };
  Expression e;
  switch (emotion) {
    case 0:  // Anger: brows pulled down and together, narrowed eyes, tight or snarling mouth
      e = {u(-0.07f, -0.045f), u(0.005f, 0.03f), u(0.015f, 0.03f), u(0.45f, 0.7f), u(-0.45f, -0.1f), 0, u(0.75f, 0.95f)};
      if (u(0, 1) < 0.4f) e.mouth_open = u(0.02f, 0.04f), e.teeth = true;
      break;
    case 1:  // Fear: brows raised and drawn together, wide eyes, open stretched mouth
      e = {u(0.06f, 0.09f), u(0.035f, 0.06f), u(0.01f, 0.025f), u(1.2f, 1.45f), u(-0.35f, -0.05f), u(0.06f, 0.1f),
           u(1.05f, 1.25f)};
      e.teeth = u(0, 1) < 0.3f;
      break;
    case 2:  // Happy: smile, slightly squinting eyes, relaxed raised brows
      e = {u(0.0f, 0.02f), u(0.01f, 0.035f), 0, u(0.65f, 0.9f), u(0.6f, 1.0f), 0, u(1.1f, 1.3f)};
      if (u(0, 1) < 0.5f) e.mouth_open = u(0.03f, 0.06f), e.teeth = true;
      break;
    case 3:  // Neutral
      e = {u(-0.01f, 0.01f), u(-0.01f, 0.01f), 0, u(0.9f, 1.1f), u(-0.08f, 0.08f), 0, u(0.9f, 1.05f)};
      break;
    default:  // Sad: inner brow ends raised, drooping lids, corners down
      e = {u(0.045f, 0.075f), u(-0.035f, -0.01f), u(0.0f, 0.01f), u(0.55f, 0.8f), u(-0.9f, -0.5f), 0, u(0.85f, 1.0f)};
      break;
  }
  return e;
}

Look random_look(std::mt19937& rng) {
  auto u = [&](float lo, float hi) { return uniform(rng, lo, hi); };
  // BGR skin tones from light to dark, one picked and varied.
  static const cv::Scalar skins[] = {{190, 210, 240}, {160, 190, 230}, {130, 170, 215}, {100, 140, 190},
                                     {80, 115, 160}, {62, 92, 130}};
  static const cv::Scalar hairs[] = {{20, 20, 25}, {30, 45, 70}, {40, 80, 130}, {70, 130, 190}, {140, 140, 150}};
  static const cv::Scalar irises[] = {{30, 50, 80}, {120, 90, 40}, {60, 110, 70}, {20, 30, 40}};
  Look l;
  const float k = u(0.9f, 1.08f);
  l.skin = scaled(skins[std::uniform_int_distribution<int>(0, 5)(rng)], k);
  l.hair = hairs[std::uniform_int_distribution<int>(0, 4)(rng)];
  l.iris = irises[std::uniform_int_distribution<int>(0, 3)(rng)];
  l.lips = scaled(l.skin, 0.7) * 0.6 + cv::Scalar(60, 50, 120) * 0.4;
  l.hair_volume = u(0, 1) < 0.1f ? 0.f : u(0.6f, 1.2f);
  l.yaw = u(-0.4f, 0.4f);
  l.roll_deg = u(-10.f, 10.f);
  l.aspect = u(1.2f, 1.38f);
  return l;
}

cv::Rect paint_face(cv::Mat& canvas, cv::Point2f centre, float head_width, const Look& look, const Expression& ex) {
  const float r = look.roll_deg * static_cast<float>(CV_PI) / 180.f;
  const Pose p{centre, head_width, std::cos(r), std::sin(r), look.yaw};
  const float hb = 0.5f * look.aspect;  // half height of the head
  // Behind the head: hair mass, neck, ears.
  if (look.hair_volume > 0) ellipse(canvas, p, p(0, -0.12f), 0.55f + 0.05f * look.hair_volume, hb * 0.92f, look.hair);
  const auto neck_top = p(0, hb * 0.7f), neck_bottom = p(0, hb + 0.6f);
  cv::line(canvas, neck_top, neck_bottom, scaled(look.skin, 0.75), p.px(0.42f), cv::LINE_AA);
  ellipse(canvas, p, p(-0.49f, -0.02f), 0.06f, 0.11f, scaled(look.skin, 0.9));
  ellipse(canvas, p, p(0.49f, -0.02f), 0.06f, 0.11f, scaled(look.skin, 0.9));
  ellipse(canvas, p, p(0, 0), 0.5f, hb, look.skin);
  // Cheek shading at the sides, lighter nose bridge: the contrasts a frontal-face detector keys on.
  ellipse(canvas, p, p(-0.36f, 0.12f), 0.12f, 0.22f, scaled(look.skin, 0.93));
  ellipse(canvas, p, p(0.36f, 0.12f), 0.12f, 0.22f, scaled(look.skin, 0.93));
  // Highlights where light falls on a real face: forehead and cheekbones.
  ellipse(canvas, p, p.feature(0, -0.34f), 0.28f, 0.1f, scaled(look.skin, 1.12));
  ellipse(canvas, p, p.feature(-0.2f, 0.08f), 0.1f, 0.055f, scaled(look.skin, 1.1));
  ellipse(canvas, p, p.feature(0.2f, 0.08f), 0.1f, 0.055f, scaled(look.skin, 1.1));
  if (look.hair_volume > 0) ellipse(canvas, p, p(0, -hb + 0.02f), 0.46f, 0.11f + 0.06f * look.hair_volume, look.hair);

  draw_eye(canvas, p, -0.2f, look, ex);
  draw_eye(canvas, p, 0.2f, look, ex);
  draw_brow(canvas, p, -1.f, look, ex);
  draw_brow(canvas, p, 1.f, look, ex);
  cv::line(canvas, p.feature(0, -0.1f), p.feature(0, 0.12f), scaled(look.skin, 1.08), p.px(0.05f), cv::LINE_AA);
  ellipse(canvas, p, p.feature(0, 0.17f), 0.07f, 0.03f, scaled(look.skin, 0.72));
  ellipse(canvas, p, p.feature(-0.03f, 0.175f), 0.014f, 0.009f, scaled(look.skin, 0.4));
  ellipse(canvas, p, p.feature(0.03f, 0.175f), 0.014f, 0.009f, scaled(look.skin, 0.4));
  draw_mouth(canvas, p, look, ex);

  // The box the frontal-face cascade reports on these faces (measured): hairline to chin, ear to ear.
  const cv::Point2f c = p(0, 0.03f);
  const float side = 1.25f * head_width;
  return cv::Rect(cv::Point(cvRound(c.x - side / 2), cvRound(c.y - side / 2)), cv::Size(cvRound(side), cvRound(side)));
}

void paint_background(cv::Mat& canvas, std::mt19937& rng) {
  auto u = [&](float lo, float hi) { return uniform(rng, lo, hi); };
  const cv::Scalar a(u(20, 235), u(20, 235), u(20, 235)), b(u(20, 235), u(20, 235), u(20, 235));
  const bool vertical = u(0, 1) < 0.5f;
  for (int y = 0; y < canvas.rows; ++y) {
    for (int x = 0; x < canvas.cols; ++x) {
      const float t = vertical ? static_cast<float>(y) / canvas.rows : static_cast<float>(x) / canvas.cols;
      const cv::Scalar c = a * (1 - t) + b * t;
      canvas.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(c[0]), cv::saturate_cast<uchar>(c[1]),
                                             cv::saturate_cast<uchar>(c[2]));
    }
  }
  const int shapes = std::uniform_int_distribution<int>(0, 6)(rng);
  cv::Mat layer = canvas.clone();
  for (int i = 0; i < shapes; ++i) {
    const cv::Scalar c(u(0, 255), u(0, 255), u(0, 255));
    const cv::Point at(static_cast<int>(u(0, canvas.cols)), static_cast<int>(u(0, canvas.rows)));
    if (u(0, 1) < 0.5f)
      cv::rectangle(layer, at, at + cv::Point(static_cast<int>(u(10, canvas.cols / 2.f)), static_cast<int>(u(10, canvas.rows / 2.f))),
                    c, cv::FILLED);
    else
      cv::circle(layer, at, static_cast<int>(u(5, canvas.cols / 5.f)), c, cv::FILLED, cv::LINE_AA);
  }
  cv::addWeighted(canvas, 0.4, layer, 0.6, 0, canvas);
  cv::GaussianBlur(canvas, canvas, {0, 0}, u(1.5f, 5.f));
}

void finish_photo(cv::Mat& canvas, std::mt19937& rng, float noise_sigma_max) {
  auto u = [&](float lo, float hi) { return uniform(rng, lo, hi); };
  cv::Mat f;
  canvas.convertTo(f, CV_32FC3);
  // Light from one side: a gain ramp across the picture.
  const float angle = u(0, 2 * static_cast<float>(CV_PI)), lo = u(0.75f, 0.95f), hi = u(1.0f, 1.25f);
  const float cx = std::cos(angle), cy = std::sin(angle), half = 0.5f * std::hypot(canvas.cols, canvas.rows);
  for (int y = 0; y < f.rows; ++y) {
    auto* row = f.ptr<cv::Vec3f>(y);
    for (int x = 0; x < f.cols; ++x) {
      const float t = 0.5f + 0.5f * ((x - f.cols / 2.f) * cx + (y - f.rows / 2.f) * cy) / half;
      row[x] *= lo + (hi - lo) * t;
    }
  }
  cv::Mat noise(f.size(), CV_32FC3);
  cv::RNG(rng()).fill(noise, cv::RNG::NORMAL, 0, u(0.5f, noise_sigma_max));  // seeded: the same faces every run
  f += noise;
  cv::GaussianBlur(f, f, {0, 0}, u(0.4f, 1.0f));
  f.convertTo(canvas, CV_8UC3);
}

}  // namespace fer::synth
