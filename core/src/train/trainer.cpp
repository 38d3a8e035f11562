#include "fer/train/trainer.hpp"

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

#include "distributed.hpp"
#include "fer/errors.hpp"
#include "init_weights.hpp"
#include "loader.hpp"
#include "model/network.hpp"
#include "model/architectures.hpp"
#include "model/xception.hpp"
#include "model/state_dict.hpp"
#include "fer/train/distillation.hpp"
#include "fer/train/one_cycle.hpp"
#include "optimizer.hpp"
#include "prepare_data.hpp"
#include "resume_state.hpp"

namespace fs = std::filesystem;

namespace fer::train {

std::string output_stem(const std::string& model_path) {
  fs::path p(model_path);
  return (p.parent_path() / p.stem()).string();
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Epoch e's shuffle, the same on every rank and in a resumed run.
std::vector<size_t> epoch_order(size_t n, uint64_t seed, int epoch) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed * 7919u + static_cast<uint64_t>(epoch));
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

// Rank r's images: every world-th one. For training, padded by wrapping around as PyTorch's
// DistributedSampler does, so every rank runs the same number of steps (the all-reduce needs it),
// and without a final batch of one image (BatchNorm cannot train on it).
std::vector<size_t> shard(const std::vector<size_t>& order, int rank, int world, bool pad) {
  std::vector<size_t> out;
  const size_t per_rank = (order.size() + world - 1) / world;
  for (size_t i = rank; i < order.size() || (pad && out.size() < per_rank); i += world) out.push_back(order[i % order.size()]);
  return out;
}

std::vector<size_t> drop_single_tail(std::vector<size_t> v, int batch_size) {
  if (v.size() > 1 && v.size() % batch_size == 1) v.pop_back();
  return v;
}

// Epoch e's training images on this rank: its shard of the epoch's shuffle.
std::vector<size_t> epoch_images(size_t n, uint64_t seed, int epoch, int rank, int world, int batch_size) {
  return drop_single_tail(shard(epoch_order(n, seed, epoch), rank, world, true), batch_size);
}

// sklearn's "balanced" weights: n / (classes * n_c).
torch::Tensor balanced_weights(const Dataset& d) {
  const auto counts = d.class_counts();
  std::vector<float> w;
  for (int c : counts) w.push_back(static_cast<float>(d.samples.size()) / (counts.size() * std::max(1, c)));
  return torch::tensor(w);
}

std::string fingerprint(const TrainOptions& o, const ModelInfo& m, const Dataset& train) {
  std::string classes;
  for (const auto& c : train.classes) classes += c + ",";
  return m.arch + " size " + std::to_string(m.input_size) + (m.channels == 1 ? " grey" : "") + " batch " + std::to_string(o.batch_size) + " seed " +
         std::to_string(o.seed) + " world " + std::to_string(o.world_size) + " images " +
         std::to_string(train.samples.size()) + " classes " + classes + " optimizer " + o.optimizer + " schedule " +
         o.lr_schedule + (o.lr_schedule == "onecycle" ? " epochs " + std::to_string(o.epochs) : "") +
         (o.teacher.empty() ? "" : " teacher " + o.teacher + " weight " + std::to_string(o.distill_weight) +
                                       " temperature " + std::to_string(o.distill_temperature));
}

// How this run cuts its images: recorded in the model file and compared with the teacher's.
TrainingCrop run_crop(const TrainOptions& o) {
  TrainingCrop c;
  c.recorded = true;
  c.detector = name_of(o.detector);
  c.margin = o.margin, c.align = o.align, c.border = o.crop_border;
  return c;
}

uint64_t fnv1a(const torch::nn::Module& model) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& [name, t] : state_dict_of(model)) {
    const auto c = t.detach().to(torch::kCPU).contiguous();
    const auto* p = static_cast<const uint8_t*>(c.data_ptr());
    for (size_t i = 0; i < c.nbytes(); ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  }
  return h;
}

struct PhaseResult {
  double loss = 0, acc = 0, images_per_s = 0;
  long images = 0, steps = 0;
};

class Run {
 public:
  Run(const TrainOptions& o, const TrainCallbacks& cb) : o_(o), cb_(cb) {}
  TrainResult go();

 private:
  void log(const std::string& s) const {
    if (cb_.log && rank() == 0) cb_.log(s);
  }
  int rank() const { return dist_ ? dist_->rank() : 0; }
  void setup_model();
  PhaseResult train_epoch(int epoch);
  PhaseResult validate(int epoch, ConfusionMatrix& cm);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor forward_with(EmotionNet& net, const torch::Tensor& x);
  void write_model(const std::string& path, const nlohmann::json& training);
  void write_side_files(const ResumeState& state);

  const TrainOptions& o_;
  const TrainCallbacks& cb_;
  std::unique_ptr<Distributed> dist_;
  PreparedData data_;
  torch::Device device_{torch::kCPU};
  ModelInfo model_info_;  // arch and pre-processing, from the options and --init's file
  std::optional<InitialWeights> init_, teacher_file_;
  std::shared_ptr<EmotionNet> model_, teacher_;
  TrainingCrop teacher_crop_;  // how the teacher's training images were cut
  std::string teacher_split_;  // its split file's name, beside it
  bool freeze_bn_ = false;
  bool channels_last_ = false;  // the Xceptions train faster so
  // Batches as the model takes them: its size, colour and normalisation.
  LoaderOptions loader_options() const {
    LoaderOptions lo;
    lo.batch_size = o_.batch_size;
    lo.side = model_info_.input_size;
    lo.channels = model_info_.channels;
    lo.mean = model_info_.mean;
    lo.std = model_info_.std;
    lo.workers = o_.workers;
    return lo;
  }
  torch::Tensor input(const torch::Tensor& images) const {
    const auto x = images.to(device_);
    return channels_last_ ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
  }
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::optional<OneCycle> one_cycle_;  // per-step learning rate and momentum, when chosen
  torch::Tensor class_weights_;
  long steps_ = 0;
  std::string stem_;
  std::string init_note_;
};

torch::Tensor Run::forward(const torch::Tensor& x) { return forward_with(*model_, x); }

torch::Tensor Run::forward_with(EmotionNet& net, const torch::Tensor& x) {
  if (o_.precision != "bf16") return net.forward(x);
  // Autocast as torch.autocast("cpu", torch.bfloat16): convolutions and the linear layer in bf16,
  // the weights stay fp32 (the master copy Adam updates).
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  torch::Tensor y;
  try {
    y = net.forward(x).to(torch::kFloat32);
  } catch (...) {
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    throw;
  }
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  return y;
}

// The options win where given; else the --init file's record; else resnet50, RGB, 224, ImageNet's
// normalisation. Fine-tuning an imported model so keeps its grey 64 px input with no extra flags.
ModelInfo resolve_model(const TrainOptions& o, const InitialWeights* init) {
  ModelInfo m;
  const bool described = init && init->described;
  m.arch = !o.arch.empty() ? o.arch : init ? init->info.arch : "resnet50";
  if (init && init->info.arch != m.arch)
    throw ModelError("--init file '" + init->path + "' holds " + init->info.arch + " weights but --arch is " + m.arch +
                     "; pass --arch " + init->info.arch + " (or leave --arch out)");
  m.channels = o.channels ? o.channels : init ? init->info.channels : 3;
  if (init && init->info.channels != m.channels)
    throw ModelError("--init file '" + init->path + "' takes " + (init->info.channels == 1 ? "grey" : "RGB") +
                     " input but this run asks for " + (m.channels == 1 ? "grey (--grey)" : "RGB") +
                     "; leave the colour option out to follow the file");
  m.input_size = o.input_size ? o.input_size : described ? init->info.input_size : 224;
  const bool same_normalisation = described && init->info.channels == m.channels;
  m.mean = same_normalisation ? init->info.mean : default_mean(m.channels);
  m.std = same_normalisation ? init->info.std : default_std(m.channels);
  return m;
}

void Run::setup_model() {
  torch::manual_seed(o_.seed);
  const auto& classes = data_.train.classes;
  model_ = make_network(model_info_.arch, static_cast<int64_t>(classes.size()), model_info_.channels);
  if (!o_.teacher.empty()) {
    const InitialWeights& t = *teacher_file_;
    check_teacher(o_.teacher, t.info, t.described, classes, model_info_);
    teacher_crop_ = t.info.crop;
    const auto record = nlohmann::json::parse(t.info.training_json.empty() ? "{}" : t.info.training_json, nullptr, false);
    if (record.is_object() && record.contains("split") && record["split"].is_string()) teacher_split_ = record["split"].get<std::string>();
    teacher_ = make_network(t.info.arch, static_cast<int64_t>(classes.size()), t.info.channels);
    load_initial_weights(*teacher_, t);
    teacher_->eval();  // its BatchNorm keeps its statistics; it never trains
    teacher_->to(device_);
    teacher_file_.reset();
  }
  if (init_) {
    init_note_ = load_initial_weights(*model_, *init_);
    init_.reset();  // the copy is in the model now
  } else {
    init_note_ = "from scratch (random initialisation; --init FILE starts from pretrained weights)";
  }
  model_->to(device_);
  // LibTorch 1.13 trains depthwise convolutions faster channels-last: xception2 at 64 px, bf16,
  // measured 147 -> 198 images/s in fer-train (82 -> 168 fp32, 314 -> 602 bf16 for PyTorch's step alone).
  if (channels_last_) {
    torch::NoGradGuard ng;
    for (auto* net : {model_.get(), teacher_.get()})
      if (net)
        for (auto& p : net->parameters())
          if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
  }
  if (dist_) {
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> all;
    for (const auto& p : model_->parameters()) all.push_back(p.detach());
    for (const auto& b : model_->buffers()) all.push_back(b.detach());
    dist_->broadcast(all);
  }
  optimizer_ = make_optimizer(model_->parameters(), {o_.optimizer, o_.lr, o_.weight_decay, o_.momentum});
  if (o_.class_weights) class_weights_ = balanced_weights(data_.train).to(device_);
}

PhaseResult Run::train_epoch(int epoch) {
  model_->train();
  if (freeze_bn_)
    for (auto& m : model_->modules(/*include_self=*/false))
      if (m->as<torch::nn::BatchNorm2d>()) m->eval();
  const int world = dist_ ? dist_->world_size() : 1;
  LoaderOptions lo = loader_options();
  lo.augment = &o_.augment;
  lo.seed = o_.seed * 1000003u + static_cast<uint64_t>(epoch);
  BatchLoader loader(data_.train, epoch_images(data_.train.samples.size(), o_.seed, epoch, rank(), world, o_.batch_size),
                     lo);
  auto ce = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(o_.label_smoothing);
  if (class_weights_.defined()) ce.weight(class_weights_);
  PhaseResult r;
  double loss_sum = 0;
  long correct = 0;
  const auto start = Clock::now();
  long b = 0;
  while (auto batch = loader.next()) {
    if (o_.max_steps > 0 && steps_ >= o_.max_steps) break;
    const auto x = input(batch->images), y = batch->labels.to(device_);
    if (one_cycle_) {
      set_lr(*optimizer_, one_cycle_->lr(steps_));
      set_momentum(*optimizer_, one_cycle_->momentum(steps_));
    }
    optimizer_->zero_grad();
    const auto logits = forward(x);
    auto loss = torch::nn::functional::cross_entropy(logits, y, ce);
    if (teacher_) {
      torch::Tensor taught;
      {
        torch::NoGradGuard ng;
        taught = forward_with(*teacher_, x);
      }
      loss = distillation_loss(logits, taught, loss, o_.distill_weight, o_.distill_temperature);
    }
    loss.backward();
    if (dist_) {
      std::vector<torch::Tensor> grads;
      for (const auto& p : model_->parameters())
        if (p.grad().defined()) grads.push_back(p.grad());
      dist_->average(grads);
    }
    optimizer_->step();
    ++steps_;
    ++r.steps;
    const long n = x.size(0);
    loss_sum += loss.item<double>() * n;
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
    r.images += n;
    ++b;
    if (cb_.progress && rank() == 0) {
      const double t = seconds_since(start);
      cb_.progress({epoch, o_.epochs, "train", b, loader.batches(), loss_sum / r.images,
                    static_cast<double>(correct) / r.images, r.images / t, t / b * (loader.batches() - b)});
    }
  }
  const double t = seconds_since(start);
  r.images_per_s = r.images * world / std::max(t, 1e-9);
  std::vector<double> sums{loss_sum, static_cast<double>(correct), static_cast<double>(r.images)};
  if (dist_) sums = dist_->sum(sums);
  r.loss = sums[0] / std::max(1.0, sums[2]);
  r.acc = sums[1] / std::max(1.0, sums[2]);
  if (dist_) {
    // BatchNorm statistics differ per shard: take rank 0's, as DistributedDataParallel does.
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> buffers;
    for (const auto& buf : model_->buffers()) buffers.push_back(buf.detach());
    dist_->broadcast(buffers);
  }
  return r;
}

PhaseResult Run::validate(int epoch, ConfusionMatrix& cm) {
  torch::NoGradGuard ng;
  model_->eval();
  const int world = dist_ ? dist_->world_size() : 1;
  LoaderOptions lo = loader_options();
  std::vector<size_t> order(data_.val.samples.size());
  std::iota(order.begin(), order.end(), 0);
  BatchLoader loader(data_.val, shard(order, rank(), world, false), lo);
  auto ce = torch::nn::functional::CrossEntropyFuncOptions();
  PhaseResult r;
  double loss_sum = 0;
  const auto start = Clock::now();
  long b = 0;
  const size_t k = cm.classes.size();
  std::vector<double> counts(k * k, 0.0);
  while (auto batch = loader.next()) {
    // fp32 even in a bf16 run: the score that picks the best model is the one fer-eval and the element see.
    const auto logits = model_->forward(input(batch->images)).to(torch::kCPU);
    loss_sum += torch::nn::functional::cross_entropy(logits, batch->labels, ce).item<double>() * logits.size(0);
    const auto pred = logits.argmax(1).contiguous();
    const auto truth = batch->labels.accessor<int64_t, 1>();
    const auto guess = pred.accessor<int64_t, 1>();
    for (int64_t i = 0; i < pred.size(0); ++i) counts[truth[i] * k + guess[i]] += 1;
    r.images += logits.size(0);
    ++b;
    if (cb_.progress && rank() == 0) {
      const double t = seconds_since(start);
      cb_.progress({epoch, o_.epochs, "val", b, loader.batches(), loss_sum / r.images, 0, r.images / t,
                    t / b * (loader.batches() - b)});
    }
  }
  counts.push_back(loss_sum);
  if (dist_) counts = dist_->sum(counts);
  for (size_t i = 0; i < k * k; ++i) cm.counts[i / k][i % k] = static_cast<long>(counts[i]);
  r.loss = counts.back() / std::max<long>(1, cm.total());
  r.acc = cm.accuracy();
  return r;
}

void Run::write_model(const std::string& path, const nlohmann::json& training) {
  ModelInfo info = model_info_;
  info.classes = data_.train.classes;
  info.training_json = training.dump();
  save_model_file(path, info, *model_);
}

void Run::write_side_files(const ResumeState& state) {
  write_history_csv(stem_ + ".metrics.csv", state.history);
  nlohmann::json j;
  j["epochs"] = state.history;
  j["best_epoch"] = state.best_epoch;
  j["best_val_acc"] = state.best_val_acc;
  j["best_confusion"] = state.best_confusion;
  write_text_atomically(stem_ + ".metrics.json", j.dump(1) + "\n");
  plot_history(stem_ + ".curves.png", state.history);
}

TrainResult Run::go() {
  if (o_.world_size > 1) dist_ = std::make_unique<Distributed>(o_.world_size, o_.rank, o_.master);
  device_ = parse_device(o_.device);
  // 0 = one per CPU: LibTorch's own default was measured at one thread on the 2-CPU machine.
  torch::set_num_threads(o_.threads > 0 ? o_.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  stem_ = output_stem(o_.out);
  if (!o_.init.empty()) init_ = read_initial_weights(o_.init);  // before the data: a bad file fails fast
  if (!o_.teacher.empty()) {
    if (output_stem(o_.teacher) == stem_)
      throw ModelError("--teacher file '" + o_.teacher + "' is this run's own --out (or shares its name): the run "
                       "would overwrite its teacher; give the student another --out");
    teacher_file_ = read_initial_weights(o_.teacher, "--teacher file");
  }
  model_info_ = resolve_model(o_, init_ ? &*init_ : nullptr);
  channels_last_ = is_xception(model_info_.arch);
  freeze_bn_ = o_.freeze_bn == "on" ||
               (o_.freeze_bn == "auto" && init_ && init_->folded_batchnorm);
  data_ = prepare_data(o_, [this](const std::string& s) { log(s); });
  // Only once the data is usable: a run that stops on bad data leaves nothing behind.
  if (const auto dir = fs::path(o_.out).parent_path(); !dir.empty()) fs::create_directories(dir);
  const auto counts = data_.train.class_counts();
  std::string per_class;
  for (size_t c = 0; c < counts.size(); ++c) per_class += " " + data_.train.classes[c] + " " + std::to_string(counts[c]);
  log("data: " + std::to_string(data_.train.samples.size()) + " training images (" + per_class.substr(1) + "), " +
      std::to_string(data_.val.samples.size()) + " validation images, " +
      std::to_string(data_.train.unreadable.size()) + " unreadable skipped");
  if (rank() == 0) write_split(stem_ + ".split.json", data_.split);
  setup_model();
  log("model: " + model_info_.arch + " at " + std::to_string(model_info_.input_size) + "px" +
      (model_info_.channels == 1 ? " grey" : "") + ", " + init_note_ + ", " + o_.precision +
      (freeze_bn_ ? ", BatchNorm statistics frozen" : ""));
  if (teacher_) {
    char text[160];
    std::snprintf(text, sizeof text, "distillation: %.3g of the loss follows the teacher's probabilities at temperature %.3g, ",
                  o_.distill_weight, o_.distill_temperature);
    log(text + o_.teacher);
    const long saw = teacher_saw(o_.teacher, teacher_split_, data_.split.val);
    if (saw > 0)
      log("warning: the teacher trained on " + std::to_string(saw) + " of this run's " +
          std::to_string(data_.split.val.size()) + " validation images, so validation accuracy will read high; "
          "train the teacher on the same --data with the same --seed, --val-split and --dedup (the split is then "
          "the same)");
    else if (saw < 0)
      log("note: no split file beside the teacher, so whether it trained on this run's validation images is unknown");
    if (const std::string note = teacher_crop_note(teacher_crop_, run_crop(o_)); !note.empty()) log(note);
  }

  ReduceLROnPlateau::Options so;
  so.factor = o_.lr_factor;
  so.patience = o_.lr_patience;
  ReduceLROnPlateau scheduler(o_.lr, so);
  ResumeState state;
  const std::string fp = fingerprint(o_, model_info_, data_.train);
  state.fingerprint = fp;
  const std::string resume_path = stem_ + ".resume.pt";
  if (o_.resume) {
    state = load_resume(resume_path, *model_, *optimizer_, fp);
    scheduler.set_state(state.scheduler);
    steps_ = state.steps_done;
    log("resumed after epoch " + std::to_string(state.epochs_done) + " from " + resume_path);
  }
  set_lr(*optimizer_, scheduler.lr());
  if (o_.lr_schedule == "onecycle") {
    // Every epoch has the same number of steps (the shards are padded alike).
    const long per_epoch = batch_count(
        epoch_images(data_.train.samples.size(), o_.seed, 1, rank(), dist_ ? dist_->world_size() : 1, o_.batch_size).size(),
        o_.batch_size);
    OneCycle::Options oc;
    oc.max_lr = o_.lr;
    // A run cut short by --max-steps still completes its cycle.
    oc.total_steps = o_.max_steps > 0 ? std::min<long>(o_.max_steps, per_epoch * o_.epochs) : per_epoch * o_.epochs;
    oc.pct_start = o_.warmup;
    one_cycle_.emplace(oc);
    char text[200];
    std::snprintf(text, sizeof text, "schedule: one-cycle over %ld steps, learning rate %.3g up to %.3g in the first "
                  "%.0f%%, then down to %.3g", oc.total_steps, oc.max_lr / oc.div_factor, oc.max_lr, 100 * oc.pct_start,
                  oc.max_lr / oc.div_factor / oc.final_div_factor);
    log(text);
  }

  TrainResult result;
  double images = 0, seconds = 0;
  for (int epoch = state.epochs_done + 1; epoch <= o_.epochs; ++epoch) {
    if (o_.max_steps > 0 && steps_ >= o_.max_steps) break;
    const auto t0 = Clock::now();
    const PhaseResult tr = train_epoch(epoch);
    images += tr.images * (dist_ ? dist_->world_size() : 1);
    seconds += seconds_since(t0);
    ConfusionMatrix cm(data_.train.classes);
    const PhaseResult va = validate(epoch, cm);
    // The learning rate of the epoch's last step.
    const double lr = one_cycle_ ? optimizer_->param_groups()[0].options().get_lr() : scheduler.lr();
    EpochRecord rec{epoch, tr.loss, tr.acc, va.loss, va.acc, lr, tr.images_per_s, seconds_since(t0)};
    if (!one_cycle_) set_lr(*optimizer_, scheduler.step(va.loss));
    state.scheduler = scheduler.state();
    state.history.push_back(rec);
    state.epochs_done = epoch;
    state.steps_done = steps_;
    const bool best = va.acc > state.best_val_acc;
    if (best) {
      state.best_val_acc = va.acc;
      state.best_epoch = epoch;
      state.best_confusion = cm.to_json();
      state.epochs_since_best = 0;
    } else {
      ++state.epochs_since_best;
    }
    if (rank() == 0) {
      const TrainingCrop crop = run_crop(o_);
      nlohmann::json training = {{"epoch", epoch}, {"val_acc", va.acc}, {"val_loss", va.loss},
                                 {"train_acc", tr.acc}, {"init", o_.init.empty() ? "scratch" : o_.init},
                                 {"teacher", o_.teacher.empty() ? nlohmann::json() : nlohmann::json{
                                     {"file", o_.teacher}, {"weight", o_.distill_weight},
                                     {"temperature", o_.distill_temperature}}},
                                 {"seed", o_.seed}, {"precision", o_.precision},
                                 {"optimizer", o_.optimizer}, {"lr_schedule", o_.lr_schedule},
                                 {"train_images", data_.train.samples.size()}, {"val_images", data_.val.samples.size()},
                                 {"split", fs::path(stem_ + ".split.json").filename().string()},
                                 {"crop", {{"detector", crop.detector}, {"margin", crop.margin},
                                           {"align", crop.align}, {"border", crop.border}}}};
      if (best) write_model(o_.out, training);
      write_model(stem_ + ".last.pth", training);
      write_side_files(state);
    }
    // Every rank holds the same weights and optimizer state; each keeps its own copy so that a
    // rank on another machine can resume too.
    save_resume(resume_path, state, *model_, *optimizer_);
    if (cb_.epoch_done && rank() == 0) cb_.epoch_done(rec, best);
    if (o_.early_stop > 0 && state.epochs_since_best >= o_.early_stop) {
      log("early stop: no validation accuracy gain for " + std::to_string(o_.early_stop) + " epochs");
      break;
    }
  }
  if (rank() == 0 && !state.best_confusion.is_null()) {
    ConfusionMatrix best_cm(data_.train.classes);
    best_cm.counts = state.best_confusion.at("confusion_matrix").get<std::vector<std::vector<long>>>();
    log("best epoch " + std::to_string(state.best_epoch) + ", validation:\n" + best_cm.to_text());
  }
  result.best_val_acc = state.best_val_acc;
  result.best_epoch = state.best_epoch;
  result.epochs_run = state.epochs_done;
  result.images_per_s = seconds > 0 ? images / seconds : 0;
  result.weights_hash = fnv1a(*model_);
  return result;
}

}  // namespace

TrainResult run_training(const TrainOptions& opts, const TrainCallbacks& cb) {
  if (opts.batch_size < 1 || (opts.input_size != 0 && opts.input_size < 16) || opts.epochs < 1)
    throw std::invalid_argument("--batch-size, --input-size (>= 16) and --epochs must be positive");
  if (opts.channels != 0 && opts.channels != 1 && opts.channels != 3)
    throw std::invalid_argument("input channels must be 1 (grey) or 3 (RGB)");
  if (opts.optimizer == "sgd" && opts.momentum <= 0)
    throw std::invalid_argument("--optimizer sgd uses Nesterov momentum: --momentum must be above 0 (e.g. 0.9)");
  if (opts.lr_schedule != "plateau" && opts.lr_schedule != "onecycle")
    throw std::invalid_argument("--lr-schedule must be plateau or onecycle");
  if (opts.precision != "fp32" && opts.precision != "bf16")
    throw std::invalid_argument("--precision must be fp32 or bf16");
  return Run(opts, cb).go();
}

}  // namespace fer::train
