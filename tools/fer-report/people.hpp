// From frames to people: each tracker id's observations, and the tracks of one person that a missed
// detection split, joined where time and position leave one reading.
#pragma once

#include <string>
#include <vector>

#include "results_reader.hpp"

namespace report {

struct Sighting {
  size_t frame_index;  // into Results::frames
  const FaceSeen* face;
};

struct Person {
  std::string name;                // "P1", "P2", ... in order of first appearance
  std::vector<int64_t> track_ids;  // the tracks joined into this person, in time order
  std::vector<Sighting> seen;      // in time order
};

struct JoinRule {
  double max_gap_s = 2.0;    // a longer absence is another visit, or another person
  double max_shift = 1.0;    // centre movement across the gap, in face widths
  double max_size_ratio = 1.5;
};

struct People {
  std::vector<Person> people;
  int tracks = 0, joined = 0;  // joined: tracks attached to an earlier one
};

People find_people(const Results& results, const JoinRule& rule);

}  // namespace report
