// YuNet's network rebuilt on oneDNN (the library under LibTorch's CPU convolutions) with the
// weights cv::dnn read from the ONNX file: packed weights, activations in one blocked layout, ReLU
// fused into the convolutions and no allocation per frame make it two to three times faster than
// cv::dnn (docs/detection.md), which lets a larger input (small faces) fit in a frame's time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

namespace fer::detail {

class YunetNetwork {
 public:
  // Throws std::runtime_error when the file's convolutions are not the 2023 YuNet's (another
  // variant): the caller then stays on cv::dnn, which runs any graph.
  // bf16: run in bf16 (else fp32).
  YunetNetwork(cv::dnn::Net& net, bool bf16);
  ~YunetNetwork();
  YunetNetwork(const YunetNetwork&) = delete;
  YunetNetwork& operator=(const YunetNetwork&) = delete;

  // bgr: 8-bit BGR (the network's input as is: no scaling, no mean), H and W multiples of 32.
  // heads: the twelve outputs in the file's order and layout (cls, obj, bbox, kps for stride 8,
  // then 16, then 32; cells row-major), valid until the next call.
  void forward(const cv::Mat& bgr, std::vector<cv::Mat>& heads);

  bool bf16() const;
  // Whether the CPU multiplies bf16 natively (only there is bf16 faster).
  static bool native_bf16();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fer::detail
