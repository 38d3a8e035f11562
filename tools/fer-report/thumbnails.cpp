#include "thumbnails.hpp"

#include <map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace report {

std::vector<std::string> write_thumbnails(const std::string& video, const Results& r, const People& people,
                                          Figures& figures, const std::string& dir, const std::string& rel) {
  std::vector<std::string> notes;
  // The frame number each person is best seen in, and where.
  std::multimap<int64_t, std::pair<size_t, Box>> wanted;
  for (size_t i = 0; i < people.people.size(); ++i) {
    const Sighting* best = nullptr;
    for (const auto& s : people.people[i].seen)
      if (!best || s.face->box.width * s.face->box.height > best->face->box.width * best->face->box.height) best = &s;
    if (best) wanted.emplace(r.frames[best->frame_index].frame, std::make_pair(i, best->face->box));
  }
  if (wanted.empty()) return notes;

  cv::VideoCapture cap(video);
  if (!cap.isOpened()) {
    notes.push_back("cannot open video '" + video + "': no thumbnails (give the file the results were made from)");
    return notes;
  }
  cv::Mat frame;
  cv::Size size;
  int64_t index = 0, outside = 0;
  auto next = wanted.begin();
  while (next != wanted.end() && cap.read(frame)) {
    size = frame.size();
    for (; next != wanted.end() && next->first == index; ++next) {
      const auto& [person, b] = next->second;
      const cv::Rect face(cv::Point(static_cast<int>(b.x), static_cast<int>(b.y)),
                          cv::Size(static_cast<int>(b.width), static_cast<int>(b.height)));
      if ((face & cv::Rect(0, 0, frame.cols, frame.rows)) != face) {
        ++outside;
        continue;
      }
      const int m = face.width / 4;  // some hair and chin: a face a reader recognises
      const cv::Rect cut = cv::Rect(face.x - m, face.y - m, face.width + 2 * m, face.height + 2 * m) &
                           cv::Rect(0, 0, frame.cols, frame.rows);
      cv::Mat thumb;
      cv::resize(frame(cut), thumb, {cut.width * 128 / cut.height, 128}, 0, 0, cv::INTER_AREA);
      const std::string name = figures.people[person].name + ".jpg";
      if (!cv::imwrite(dir + "/" + name, thumb)) {
        notes.push_back("cannot write '" + dir + "/" + name + "'");
        continue;
      }
      figures.people[person].thumbnail = rel + "/" + name;
    }
    ++index;
  }
  if (next != wanted.end())
    notes.push_back("video '" + video + "' ends after " + std::to_string(index) + " frames, but the results reach frame " +
                    std::to_string(r.frames.back().frame) + ": is it the video of this run? Thumbnails only for the people seen in time");
  if (outside)
    notes.push_back(std::to_string(outside) + " faces lie outside the video's " + std::to_string(size.width) + "x" +
                    std::to_string(size.height) + " frame: is it the video of this run? No thumbnail for them");
  return notes;
}

}  // namespace report
