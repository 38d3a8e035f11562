// fer-train: trains the emotion classifier the element loads, from a folder per class or FER2013's CSV.
#include <malloc.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "../../tools/common/enum_names.hpp"
#include "../cli_util.hpp"
#include "fer/model_info.hpp"
#include "../progress.hpp"
#include "fer/errors.hpp"
#include "fer/train/trainer.hpp"
#include "recipes.hpp"

int main(int argc, char** argv) {
  // Each training step frees and allocates the same activation buffers (up to ~13 MB at ResNet18,
  // 112 px, batch 32). Above glibc's 128 KB default they come from mmap and go back with munmap, and
  // every step pays for page faults on fresh zeroed pages (perf: 15% of the time in the kernel).
  // Kept in the heap instead: ResNet18@112 bf16 on faces5, 86 -> 110 images/s, the same losses.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  fer::cli::tune_openmp_spin(argv);
  CLI::App app{"fer-train: train the facial-emotion classifier (ResNet or Xception) that feremotion's element loads"};
  // A later value of an option replaces an earlier one: a --recipe's flags go first, the user's win.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  fer::train::TrainOptions o;
  std::string classes, class_weights = "none", dedup = "on";
  bool no_augment = false;
  auto& a = o.augment;

  std::string recipe_name;
  std::string recipe_help = "a named set of the flags below, which flags given here override:";
  for (const auto& r : fer::train::recipes()) {
    recipe_help += " " + r.name + " (" + r.summary + "):";
    for (const auto& a : r.args) recipe_help += " " + a;
  }
  app.add_option("--recipe", recipe_name, recipe_help)->check([](const std::string& name) {
    return fer::train::find_recipe(name) ? std::string() : "no recipe '" + name + "' (see --help)";
  });
  app.add_option("--data", o.data, "DIR/<Class>/*.jpg (one folder per class) or FER2013's .csv")->required();
  app.add_option("--val", o.val_dir, "validation folder (same classes) instead of a split of --data");
  app.add_option("--classes", classes, "comma-separated classes in logit order (default: folders sorted by name)");
  app.add_option("--fer2013-map", o.fer2013_map,
                 "FER2013 index=Class pairs (default 0=Anger,2=Fear,3=Happy,4=Sad,6=Neutral)");
  app.add_option("--val-split", o.val_split, "fraction held out for validation, stratified per class")
      ->check(CLI::Range(0.01, 0.9))->capture_default_str();
  app.add_option("--dedup", dedup, "keep near-duplicate images (dHash) on one side of the split: on or off")
      ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  app.add_option("--dedup-distance", o.dedup_distance, "largest dHash Hamming distance of a near-duplicate")
      ->check(CLI::Range(0, 32))->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the split, initialisation, shuffling and augmentation")->capture_default_str();
  app.add_option("--workers", o.workers, "threads decoding and augmenting images")->capture_default_str();
  app.add_flag("!--no-cache", o.cache, "decode images on every epoch instead of keeping them in memory");
  app.add_option("--detector", o.detector, "crop faces first like the element: none (default: images are crops), "
                 "haar or yunet (with --detector-model)")
      ->transform(fer::cli::detector_kinds());
  app.add_option("--detector-model", o.detector_model, "haar: cascade file; yunet: face_detection_yunet ONNX file");
  app.add_option("--margin", o.margin, "grow detected face boxes by this fraction")->capture_default_str();
  app.add_flag("--crop-border", o.crop_border, "the images are tight face crops (as faces5): the detector looks at "
               "them inside a grey border, and a box reaching past the image keeps its size, the border standing in "
               "for the scene around the face (as the element sees a face in a frame)");
  app.add_flag("--align", o.align, "turn faces so the eyes are level, as the element's align=true (yunet)");

  app.add_option("--arch", o.arch, "resnet18, resnet34, resnet50, xception2 (FER2013's big_XCEPTION) or "
                 "xception3 [default: --init's, else resnet50]")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50", "xception2", "xception3"}));
  app.add_option("--init", o.init, "start from these weights (torchvision ImageNet .pth, or a feremotion model such "
                 "as fer-import's, whose input size, colour and normalisation are kept)");
  app.add_option("--input-size", o.input_size, "square input side in pixels [default: --init's, else 224]")
      ->check(CLI::Range(16, 1024));
  app.add_flag_function("--grey", [&o](int64_t) { o.channels = 1; },
                        "train on grey faces (0.2989 R + 0.5870 G + 0.1140 B), as FER2013 models [default: --init's, "
                        "else colour]")
      ->trigger_on_parse();  // with --rgb: the later of the two wins
  app.add_flag_function("--rgb", [&o](int64_t) { o.channels = 3; }, "train on colour faces (undoes a recipe's --grey)")
      ->trigger_on_parse();
  app.add_flag("--no-augment", no_augment, "train on resized images only");
  app.add_option("--crop-scale", a.scale_min, "RandomResizedCrop's smallest area fraction")
      ->check(CLI::Range(0.01, 1.0))->capture_default_str();
  app.add_option("--flip", a.flip, "horizontal flip probability")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--rotation", a.rotation, "largest rotation in degrees (0: off)")->check(CLI::Range(0.0, 180.0))
      ->capture_default_str();
  app.add_option("--brightness", a.brightness, "colour jitter: brightness")->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--contrast", a.contrast, "colour jitter: contrast")->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--saturation", a.saturation, "colour jitter: saturation")->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--hue", a.hue, "colour jitter: hue (0..0.5)")->check(CLI::Range(0.0, 0.5))->capture_default_str();
  app.add_option("--grey-prob", a.grey, "probability of turning a colour training image grey (RandomGrayscale)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--erase", a.erase, "probability of blanking a random rectangle of 2-33% of the image with its "
                 "mean colour (RandomErasing)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();

  app.add_option("--freeze-bn", o.freeze_bn, "keep BatchNorm at its running statistics: auto (when --init is an "
                 "imported model, whose BatchNorm was folded), on or off")
      ->check(CLI::IsMember({"auto", "on", "off"}))->capture_default_str();
  app.add_option("--epochs", o.epochs, "training epochs")->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "images per step (per process)")->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "adam (weight decay as L2, as torch.optim.Adam), adamw (decoupled "
                 "weight decay) or sgd (Nesterov momentum)")
      ->check(CLI::IsMember({"adam", "adamw", "sgd"}))->capture_default_str();
  app.add_option("--lr", o.lr, "learning rate (onecycle: the peak)")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--momentum", o.momentum, "SGD's momentum, Adam's beta1 (onecycle cycles it 0.95 -> 0.85 -> 0.95)")
      ->check(CLI::Range(0.0, 0.999))->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "weight decay")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--lr-schedule", o.lr_schedule, "plateau (ReduceLROnPlateau on the validation loss, per epoch) or "
                 "onecycle (OneCycleLR per step: warm-up to --lr, then a cosine fall, over all --epochs)")
      ->check(CLI::IsMember({"plateau", "onecycle"}))->capture_default_str();
  app.add_option("--warmup", o.warmup, "onecycle: fraction of the steps spent rising to --lr")
      ->check(CLI::Range(0.01, 0.99))->capture_default_str();
  app.add_option("--label-smoothing", o.label_smoothing, "cross-entropy label smoothing")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  auto* teacher = app.add_option("--teacher", o.teacher, "distil from this model file: the loss also follows its probabilities on each "
                 "batch (it must score the run's classes and take the run's input; e.g. a first run of the same recipe)");
  app.add_option("--distill-weight", o.distill_weight, "with --teacher: the share of the loss that follows the teacher")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->needs(teacher);
  app.add_option("--distill-temperature", o.distill_temperature, "with --teacher: the temperature softening both "
                 "distributions (the soft loss is scaled by its square)")->check(CLI::Range(0.1, 100.0))->capture_default_str()
      ->needs(teacher);
  app.add_option("--class-weights", class_weights, "none, or auto: weight classes by n / (classes * n_class)")
      ->check(CLI::IsMember({"none", "auto"}))->capture_default_str();
  app.add_option("--lr-factor", o.lr_factor, "plateau: factor on a validation-loss plateau")
      ->capture_default_str();
  app.add_option("--lr-patience", o.lr_patience, "plateau: epochs without improvement first")
      ->capture_default_str();
  app.add_option("--early-stop", o.early_stop, "stop after this many epochs without a better val accuracy (0: off)")
      ->capture_default_str();
  app.add_option("--max-steps", o.max_steps, "stop after this many optimizer steps (0: no limit)")->capture_default_str();
  app.add_option("--precision", o.precision, "fp32, or bf16 (autocast; fp32 master weights; much faster on CPUs "
                                             "with AVX-512 BF16)")
      ->check(CLI::IsMember({"fp32", "bf16"}))->capture_default_str();
  app.add_option("--device", o.device, "cpu or cuda[:N]")->capture_default_str();
  app.add_option("--threads", o.threads, "intra-op threads (0: one per CPU)")->capture_default_str();

  app.add_option("--out,-o", o.out, "model file (best validation accuracy); side files share its stem")
      ->capture_default_str();
  app.add_flag("--resume", o.resume, "continue the run whose <stem>.resume.pt is beside --out");
  app.add_option("--world-size", o.world_size, "processes in data-parallel training")->capture_default_str();
  app.add_option("--rank", o.rank, "this process's rank, 0..world-size-1")->capture_default_str();
  app.add_option("--master", o.master, "host:port of rank 0's rendezvous store")->capture_default_str();
  // --recipe NAME expands to its flags, placed before the command line's own.
  std::vector<std::string> args(argv, argv + argc);
  const fer::train::Recipe* recipe = nullptr;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& s = args[i];
    const std::string name = s.rfind("--recipe=", 0) == 0 ? s.substr(9) : s == "--recipe" && i + 1 < args.size() ? args[i + 1] : "";
    if (!name.empty()) recipe = fer::train::find_recipe(name);
  }
  if (recipe) args.insert(args.begin() + 1, recipe->args.begin(), recipe->args.end());
  std::vector<char*> expanded;
  for (auto& s : args) expanded.push_back(s.data());
  CLI11_PARSE(app, static_cast<int>(expanded.size()), expanded.data());
  if (recipe) {
    if (!recipe->needs_init.empty() && o.init.empty()) {
      std::cerr << "fer-train: recipe " << recipe->name << " starts from pretrained weights: pass " << recipe->needs_init
                << "\n";
      return 2;
    }
    std::string flags;
    for (const auto& s : recipe->args) flags += " " + s;
    std::cerr << "recipe " << recipe->name << ":" << flags << " (flags given here override these)\n";
  }

  try {
    o.classes = fer::split_labels(classes);
  } catch (const std::exception& e) {
    std::cerr << "fer-train: --classes: " << e.what() << "\n";
    return 2;
  }
  o.class_weights = class_weights == "auto";
  if (dedup == "off") o.dedup_distance = -1;
  a.enabled = !no_augment;
  if (o.rank < 0 || o.rank >= o.world_size) {
    std::cerr << "fer-train: --rank must be in 0.." << o.world_size - 1 << "\n";
    return 2;
  }

  fer::cli::ProgressBar bar;
  fer::train::TrainCallbacks cb;
  cb.log = [&](const std::string& s) {
    bar.clear();
    std::cerr << s << "\n";
  };
  cb.progress = [&](const fer::train::Progress& p) {
    char text[160];
    if (p.phase == "train")
      std::snprintf(text, sizeof text, "loss %.4f acc %.1f%% %.1f img/s ETA %s", p.loss, 100 * p.acc, p.images_per_s,
                    fer::cli::format_duration(p.eta_s).c_str());
    else
      std::snprintf(text, sizeof text, "loss %.4f ETA %s", p.loss, fer::cli::format_duration(p.eta_s).c_str());
    bar.update("epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.epochs) + " " + p.phase, p.batch, p.batches,
               text);
  };
  double run_seconds = 0;
  int run_epochs = 0;
  cb.epoch_done = [&](const fer::train::EpochRecord& r, bool best) {
    bar.clear();
    run_seconds += r.seconds;
    ++run_epochs;
    const double eta = run_seconds / run_epochs * (o.epochs - r.epoch);
    std::printf("epoch %3d/%d  train loss %.4f acc %5.1f%%  val loss %.4f acc %5.1f%%  lr %.3g  %.1f img/s  %s  "
                "ETA %s%s\n",
                r.epoch, o.epochs, r.train_loss, 100 * r.train_acc, r.val_loss, 100 * r.val_acc, r.lr, r.images_per_s,
                fer::cli::format_duration(r.seconds).c_str(), fer::cli::format_duration(eta).c_str(),
                best ? "  * best, saved" : "");
    std::fflush(stdout);
  };
  try {
    const auto res = fer::train::run_training(o, cb);
    if (o.rank == 0)
      std::printf("done: best val accuracy %.2f%% at epoch %d; model %s; metrics %s.metrics.json; %.1f img/s\n",
                  100 * res.best_val_acc, res.best_epoch, o.out.c_str(), fer::train::output_stem(o.out).c_str(),
                  res.images_per_s);
    if (o.world_size > 1) std::printf("rank %d weights fingerprint %016llx\n", o.rank, (unsigned long long)res.weights_hash);
  } catch (const std::exception& e) {
    bar.clear();
    std::cerr << "fer-train: " << fer::first_line(e.what()) << "\n";
    return 1;
  }
  return 0;
}
