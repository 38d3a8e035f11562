// The loss and accuracy curves as a PNG, drawn with OpenCV (no plotting library needed).
#include <algorithm>
#include <functional>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/train/dataset.hpp"
#include "fer/train/metrics.hpp"

namespace fer::train {
namespace {

using Getter = std::function<double(const EpochRecord&)>;

void panel(cv::Mat& img, cv::Rect area, const std::string& title, const std::vector<EpochRecord>& h,
           const Getter& train, const Getter& val) {
  const cv::Scalar black(0, 0, 0), grey(200, 200, 200), blue(200, 90, 20), orange(20, 130, 250);
  const cv::Rect plot(area.x + 60, area.y + 30, area.width - 80, area.height - 70);
  double lo = 1e300, hi = -1e300;
  for (const auto& r : h) {
    lo = std::min({lo, train(r), val(r)});
    hi = std::max({hi, train(r), val(r)});
  }
  if (hi - lo < 1e-9) hi = lo + 1;
  const int n = static_cast<int>(h.size());
  auto at = [&](int i, double v) {
    const double fx = n > 1 ? static_cast<double>(i) / (n - 1) : 0.5;
    return cv::Point(plot.x + static_cast<int>(fx * plot.width),
                     plot.y + plot.height - static_cast<int>((v - lo) / (hi - lo) * plot.height));
  };
  for (int k = 0; k <= 4; ++k) {
    const double v = lo + (hi - lo) * k / 4;
    const int y = at(0, v).y;
    cv::line(img, {plot.x, y}, {plot.x + plot.width, y}, grey, 1);
    cv::putText(img, cv::format("%.3g", v), {area.x + 5, y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
  }
  cv::rectangle(img, plot, black, 1);
  for (const auto& [get, colour] : {std::pair{train, blue}, std::pair{val, orange}}) {
    for (int i = 1; i < n; ++i) cv::line(img, at(i - 1, get(h[i - 1])), at(i, get(h[i])), colour, 2, cv::LINE_AA);
    for (int i = 0; i < n; ++i) cv::circle(img, at(i, get(h[i])), 2, colour, cv::FILLED, cv::LINE_AA);
  }
  cv::putText(img, title, {plot.x, area.y + 20}, cv::FONT_HERSHEY_SIMPLEX, 0.55, black, 1, cv::LINE_AA);
  cv::putText(img, "train", {plot.x + plot.width - 110, area.y + 20}, cv::FONT_HERSHEY_SIMPLEX, 0.5, blue, 1, cv::LINE_AA);
  cv::putText(img, "val", {plot.x + plot.width - 45, area.y + 20}, cv::FONT_HERSHEY_SIMPLEX, 0.5, orange, 1, cv::LINE_AA);
  cv::putText(img, cv::format("epoch 1..%d", n), {plot.x + plot.width / 2 - 40, plot.y + plot.height + 25},
              cv::FONT_HERSHEY_SIMPLEX, 0.45, black, 1, cv::LINE_AA);
}

}  // namespace

void plot_history(const std::string& path, const std::vector<EpochRecord>& history) {
  if (history.empty()) return;
  cv::Mat img(420, 1000, CV_8UC3, cv::Scalar(255, 255, 255));
  panel(img, {0, 0, 500, 420}, "loss", history, [](const EpochRecord& r) { return r.train_loss; },
        [](const EpochRecord& r) { return r.val_loss; });
  panel(img, {500, 0, 500, 420}, "accuracy", history, [](const EpochRecord& r) { return r.train_acc; },
        [](const EpochRecord& r) { return r.val_acc; });
  std::vector<uchar> png;
  cv::imencode(".png", img, png);
  write_text_atomically(path, std::string(png.begin(), png.end()));
}

}  // namespace fer::train
