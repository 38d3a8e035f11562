#include "runtime/onednn_graph.hpp"

#include <algorithm>
#include <cstdint>
#include <new>

#include "runtime/cpu_features.hpp"

namespace fer::onednn {
namespace {

using dt = memory::data_type;
using tag = memory::format_tag;

// One blocked layout throughout (nChw16c with AVX-512, nChw8c with AVX2): left to choose ("any"),
// oneDNN 2.6 mixes it with nhwc from one primitive to the next and takes its reference kernels
// where they meet (70 ms for one YuNet layer).
const tag kLayout = blocked_layout();

memory::dims weight_dims(const ConvWeights& c) {
  return c.groups > 1 ? memory::dims{c.groups, c.out / c.groups, c.in, c.k, c.k} : memory::dims{c.out, c.in, c.k, c.k};
}

}  // namespace

memory Context::packed(const ConvWeights& c, const memory::desc& want) {
  for (const auto& [src, m] : packed_)
    if (src == c.w.data() && m.get_desc() == want) return m;
  const auto dims = weight_dims(c);
  memory user({dims, dt::f32, c.groups > 1 ? tag::goihw : tag::oihw}, engine, const_cast<float*>(c.w.data()));
  memory m(want, engine);
  dnnl::reorder(user, m).execute(stream, user, m);
  stream.wait();
  packed_.emplace_back(c.w.data(), m);
  return m;
}

char* Context::arena(size_t bytes) {
  if (bytes > arena_bytes_) {
    arena_bytes_ = (bytes + 4095) / 4096 * 4096;
    arena_.reset(static_cast<char*>(std::aligned_alloc(4096, arena_bytes_)));
    if (!arena_) throw std::bad_alloc();
  }
  return arena_.get();
}

Graph::Graph(memory::data_type type, std::shared_ptr<Context> context) : type_(type), ctx_(std::move(context)) {}

memory Graph::make(const memory::desc& d) {
  memory m(d, ctx_->engine, DNNL_MEMORY_NONE);
  buffers_.push_back({m, (d.get_size() + 63) / 64 * 64, 0, steps_.size(), steps_.size()});
  return m;
}

void Graph::push(dnnl::primitive prim, std::unordered_map<int, memory> args) {
  for (const auto& [_, m] : args)
    for (auto& b : buffers_)
      if (b.m.get() == m.get()) b.last = std::max(b.last, steps_.size());
  steps_.push_back({std::move(prim), std::move(args)});
}

void Graph::keep(const memory& m) {
  for (auto& b : buffers_)
    if (b.m.get() == m.get()) b.last = SIZE_MAX;
}

size_t Graph::unshared_bytes() const {
  size_t sum = 0;
  for (const auto& b : buffers_) sum += b.bytes;
  return sum;
}

void Graph::place() {
  std::vector<Buffer*> order;
  for (auto& b : buffers_) order.push_back(&b);
  std::stable_sort(order.begin(), order.end(), [](const Buffer* a, const Buffer* b) { return a->first < b->first; });
  std::vector<Buffer*> live;  // by offset
  for (Buffer* b : order) {
    live.erase(std::remove_if(live.begin(), live.end(), [&](const Buffer* a) { return a->last < b->first; }), live.end());
    size_t at = 0;  // the lowest gap that fits
    for (const Buffer* a : live) {
      if (at + b->bytes <= a->offset) break;
      at = std::max(at, a->offset + a->bytes);
    }
    b->offset = at;
    live.insert(std::upper_bound(live.begin(), live.end(), b,
                                 [](const Buffer* x, const Buffer* y) { return x->offset < y->offset; }),
                b);
    arena_bytes_ = std::max(arena_bytes_, at + b->bytes);
  }
  placed_ = true;
}

memory Graph::external(const memory::dims& dims, memory::data_type type, memory::format_tag layout) {
  return memory({dims, type, layout}, ctx_->engine, DNNL_MEMORY_NONE);
}

memory Graph::reorder(const memory& src, memory::format_tag layout, std::optional<memory::data_type> type) {
  memory dst = make({src.get_desc().dims(), type.value_or(type_), layout});
  push(dnnl::reorder(src, dst), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  return dst;
}

memory Graph::conv(const ConvWeights& c, const memory& src, bool relu, const memory* accumulate, bool f32_out) {
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  const memory::dim pad = c.pad < 0 ? c.k / 2 : c.pad;
  const memory::dims out_dims{in[0], c.out, (in[2] + 2 * pad - c.k) / c.stride + 1, (in[3] + 2 * pad - c.k) / c.stride + 1};
  const memory::desc wd(weight_dims(c), type_, tag::any), bd({c.out}, dt::f32, tag::a);
  const memory::desc dd = accumulate ? accumulate->get_desc() : memory::desc(out_dims, f32_out ? dt::f32 : type_, kLayout);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, sd, wd,
                                    bd, dd, {c.stride, c.stride}, {pad, pad}, {pad, pad});
  dnnl::post_ops ops;
  if (accumulate) ops.append_sum(1.f);
  if (relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  const dnnl::convolution_forward::primitive_desc pd(d, attr, ctx_->engine);
  memory bias(bd, ctx_->engine);
  float* b = static_cast<float*>(bias.get_data_handle());
  if (c.b.empty()) std::fill_n(b, c.out, 0.f);
  else std::copy(c.b.begin(), c.b.end(), b);
  memory dst = accumulate ? *accumulate : make(pd.dst_desc());
  push(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                       {DNNL_ARG_WEIGHTS, ctx_->packed(c, pd.weights_desc())},
                                       {DNNL_ARG_BIAS, bias},
                                       {DNNL_ARG_DST, dst}});
  return dst;
}

memory Graph::max_pool(const memory& src, int kernel, int stride, int padding) {
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  auto out = [&](memory::dim n) { return (n + 2 * padding - kernel) / stride + 1; };
  const memory::desc dd({in[0], in[1], out(in[2]), out(in[3])}, type_, kLayout);
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, sd, dd,
                                {stride, stride}, {kernel, kernel}, {padding, padding}, {padding, padding});
  const dnnl::pooling_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(pd.dst_desc());
  push(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return dst;
}

memory Graph::relu(const memory& src) {
  dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu, src.get_desc(), 0.f);
  const dnnl::eltwise_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(src.get_desc());
  push(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  return dst;
}

memory Graph::global_avg_pool(const memory& src) {
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  const memory::desc dd({in[0], in[1], 1, 1}, sd.data_type(), tag::nchw);
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, sd,
                                dd, {1, 1}, {in[2], in[3]}, {0, 0}, {0, 0});
  const dnnl::pooling_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(pd.dst_desc());
  push(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  if (sd.data_type() == dt::f32) return dst;
  memory f32 = make({dd.dims(), dt::f32, tag::nchw});  // pooling keeps the type: convert after
  push(dnnl::reorder(dst, f32), {{DNNL_ARG_FROM, dst}, {DNNL_ARG_TO, f32}});
  return f32;
}

memory Graph::upsample_add(const memory& fine, const memory& coarse) {
  // Two primitives: as one (a binary post-op on the resampling) oneDNN 2.6 takes a reference path
  // (37 ms against 0.2).
  const auto fd = fine.get_desc();
  dnnl::resampling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::resampling_nearest,
                                   coarse.get_desc(), fd);
  const dnnl::resampling_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(fd);
  push(dnnl::resampling_forward(pd), {{DNNL_ARG_SRC, coarse}, {DNNL_ARG_DST, dst}});
  dnnl::binary::desc add(dnnl::algorithm::binary_add, fd, fd, fd);
  const dnnl::binary::primitive_desc apd(add, ctx_->engine);
  push(dnnl::binary(apd), {{DNNL_ARG_SRC_0, dst}, {DNNL_ARG_SRC_1, fine}, {DNNL_ARG_DST, dst}});
  return dst;
}

void Graph::run() {
  if (!placed_) place();
  char* base = ctx_->arena(arena_bytes_);
  if (base != base_) {
    for (auto& b : buffers_) b.m.set_data_handle(base + b.offset);
    base_ = base;
  }
  for (auto& s : steps_) s.prim.execute(ctx_->stream, s.args);
  ctx_->stream.wait();
}

void GraphCache::run(const float* input, const std::array<int64_t, 4>& shape, const Build& build,
                     const std::function<void(const float* output)>& read) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& plan = plans_[shape];
  if (!plan.graph) {
    plan.graph = std::make_unique<Graph>(type_, context_);
    plan.input = plan.graph->external({shape[0], shape[1], shape[2], shape[3]}, memory::data_type::f32, tag::nchw);
    plan.output = build(*plan.graph, plan.input);
    plan.graph->keep(plan.output);
  }
  plan.input.set_data_handle(const_cast<float*>(input));
  plan.graph->run();
  read(static_cast<const float*>(plan.output.get_data_handle()));
}

}  // namespace fer::onednn
