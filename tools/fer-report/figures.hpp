// The figures of a report, computed once and read by the page, summary.csv and summary.json alike.
// A share of time is the share of a person's frames with that label: frames are equally spaced.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "people.hpp"

namespace report {

struct PersonFigures {
  std::string name;
  std::vector<int64_t> track_ids;
  double first_s = 0, last_s = 0, seconds_seen = 0;
  int64_t frames = 0;
  std::vector<double> share;       // per class: share of the person's frames with that label
  std::vector<double> mean_score;  // per class
  size_t dominant = 0;             // the class with the largest share (the first on a tie)
  std::string thumbnail;           // file name in the report folder, "" where there is none
};

struct Figures {
  std::vector<std::string> classes;
  int64_t frames = 0, face_frames = 0;  // face_frames: one per face per frame
  double first_s = 0, last_s = 0;       // the first and last frames' times
  double duration_s = 0;                // first to last frame, plus one frame
  double mean_faces = 0;
  int max_faces = 0;
  std::vector<double> share;            // overall mix: per class, share of all face-frames
  std::vector<double> mean_score;       // per class, over all face-frames
  int tracks = 0, joined = 0;
  std::vector<PersonFigures> people;
};

Figures compute_figures(const Results& results, const People& people);
nlohmann::ordered_json to_json(const Figures& f, const Results& results);
std::string to_csv(const Figures& f);

}  // namespace report
