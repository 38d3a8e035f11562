#include "people.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace report {
namespace {

struct Track {
  int64_t id;
  std::vector<Sighting> seen;
  const Sighting& first() const { return seen.front(); }
  const Sighting& last() const { return seen.back(); }
};

// B can continue A: it starts after A ends, soon, near where A was last seen, at a similar size.
bool may_continue(const Track& a, const Track& b, const Results& r, const JoinRule& rule) {
  const FrameSeen& end = r.frames[a.last().frame_index];
  const FrameSeen& start = r.frames[b.first().frame_index];
  if (start.frame <= end.frame || start.time - end.time > rule.max_gap_s + 1e-9) return false;
  const Box& p = a.last().face->box;
  const Box& q = b.first().face->box;
  const double size = std::max(p.width, p.height);
  const double ratio = std::max(q.width, q.height) / std::max(size, 1e-9);
  return std::hypot(q.cx() - p.cx(), q.cy() - p.cy()) <= rule.max_shift * size &&
         ratio <= rule.max_size_ratio && ratio >= 1 / rule.max_size_ratio;
}

}  // namespace

People find_people(const Results& results, const JoinRule& rule) {
  std::map<int64_t, Track> by_id;
  for (size_t i = 0; i < results.frames.size(); ++i)
    for (const auto& f : results.frames[i].faces) {
      Track& t = by_id[f.track_id];
      t.id = f.track_id;
      t.seen.push_back({i, &f});
    }
  std::vector<Track> tracks;
  for (auto& [id, t] : by_id) tracks.push_back(std::move(t));
  std::sort(tracks.begin(), tracks.end(), [](const Track& a, const Track& b) {
    return a.first().frame_index != b.first().frame_index ? a.first().frame_index < b.first().frame_index : a.id < b.id;
  });

  // Joined only where unambiguous: A has one possible successor and that one has A as its only
  // possible predecessor. Two people crossing paths while undetected stay apart.
  const size_t n = tracks.size();
  std::vector<std::vector<size_t>> next(n), prev(n);
  for (size_t a = 0; a < n; ++a)
    for (size_t b = 0; b < n; ++b)
      if (a != b && may_continue(tracks[a], tracks[b], results, rule)) {
        next[a].push_back(b);
        prev[b].push_back(a);
      }
  std::vector<size_t> successor(n, n);
  std::vector<bool> continues(n, false);
  People out;
  out.tracks = static_cast<int>(n);
  for (size_t a = 0; a < n; ++a)
    if (next[a].size() == 1 && prev[next[a][0]].size() == 1) {
      successor[a] = next[a][0];
      continues[next[a][0]] = true;
      ++out.joined;
    }
  for (size_t a = 0; a < n; ++a) {
    if (continues[a]) continue;  // reached from its predecessor's chain
    Person p;
    for (size_t t = a; t < n; t = successor[t]) {
      p.track_ids.push_back(tracks[t].id);
      p.seen.insert(p.seen.end(), tracks[t].seen.begin(), tracks[t].seen.end());
    }
    out.people.push_back(std::move(p));
  }
  // Chains start at their earliest track, so the people are already in order of first appearance.
  for (size_t i = 0; i < out.people.size(); ++i) out.people[i].name = "P" + std::to_string(i + 1);
  return out;
}

}  // namespace report
