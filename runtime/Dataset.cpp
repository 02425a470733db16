//===- Dataset.cpp - Labelled audio clips to training batches -------------===//

#include "runtime/Dataset.h"
#include "runtime/Audio.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <mutex>
#include <set>

namespace amae {

static bool isAudioFile(llvm::StringRef path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  return ext.equals_insensitive(".wav") || ext.equals_insensitive(".flac") ||
         ext.equals_insensitive(".ogg");
}

std::vector<std::string> csvFields(llvm::StringRef line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      fields.emplace_back();
    else
      fields.back() += c;
  }
  return fields;
}

llvm::Expected<std::vector<std::string>> parseClassLabels(llvm::StringRef text,
                                                          llvm::StringRef path) {
  std::vector<std::string> names;
  std::vector<bool> seen;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n', -1, false);
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].trim().empty())
      continue;
    std::vector<std::string> fields = csvFields(lines[i].trim());
    unsigned index;
    if (fields.size() < 3 || llvm::StringRef(fields[0]).trim().getAsInteger(10, index))
      return llvm::createStringError(path + ":" + llvm::Twine(i + 1) +
                                     ": expected index,mid,display_name");
    // An index is a row of the head: bounded by the lines there are.
    if (index >= lines.size())
      return llvm::createStringError(path + ":" + llvm::Twine(i + 1) + ": index " +
                                     llvm::Twine(index) + " exceeds the " +
                                     llvm::Twine(lines.size() - 1) + " classes listed");
    if (names.size() <= index) {
      names.resize(index + 1);
      seen.resize(index + 1);
    }
    if (seen[index])
      return llvm::createStringError(path + ":" + llvm::Twine(i + 1) + ": index " +
                                     llvm::Twine(index) + " is listed twice");
    seen[index] = true;
    names[index] = fields[2];
  }
  return names;
}

llvm::Expected<std::vector<std::string>> readClassLabels(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(path + ": " + buffer.getError().message());
  return parseClassLabels((*buffer)->getBuffer(), path);
}

/// Clips with label names, before names become indices.
using NamedClips = std::vector<std::pair<std::string, std::vector<std::string>>>;

static llvm::Expected<NamedClips> listDirectory(llvm::StringRef dir) {
  NamedClips clips;
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (!isAudioFile(it->path()))
      continue;
    llvm::StringRef parent = llvm::sys::path::parent_path(it->path());
    std::vector<std::string> labels;
    if (!llvm::sys::fs::equivalent(parent, dir))
      labels.push_back(llvm::sys::path::filename(parent).str());
    clips.push_back({it->path(), labels});
  }
  if (ec)
    return llvm::createStringError(dir + ": " + ec.message());
  llvm::sort(clips, [](const auto &a, const auto &b) { return a.first < b.first; });
  return clips;
}

static llvm::Expected<NamedClips> parseCsv(llvm::StringRef text, llvm::StringRef path) {
  llvm::StringRef base = llvm::sys::path::parent_path(path);
  NamedClips clips;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  for (auto [i, raw] : llvm::enumerate(lines)) {
    llvm::StringRef line = raw.trim();
    if (line.empty() || line.starts_with("#"))
      continue;
    std::vector<std::string> fields = csvFields(line);
    std::string file = llvm::StringRef(fields[0]).trim().str();
    if (i == 0 && (file == "file" || file == "path"))
      continue;
    if (file.empty())
      return llvm::createStringError(path + ":" + llvm::Twine(i + 1) +
                                     ": expected file,labels");
    std::vector<std::string> labels;
    if (fields.size() > 1) {
      llvm::SmallVector<llvm::StringRef> names;
      llvm::StringRef(fields[1]).split(names, ';', -1, /*KeepEmpty=*/false);
      for (llvm::StringRef n : names)
        if (!n.trim().empty())
          labels.push_back(n.trim().str());
    }
    llvm::SmallString<256> full(file);
    if (llvm::sys::path::is_relative(full)) {
      full = base;
      llvm::sys::path::append(full, file);
    }
    if (!llvm::sys::fs::exists(full))
      return llvm::createStringError(path + ":" + llvm::Twine(i + 1) + ": no such file '" +
                                     full + "'");
    clips.push_back({std::string(full), labels});
  }
  return clips;
}

static llvm::Expected<NamedClips> readCsv(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(path + ": " + buffer.getError().message());
  return parseCsv((*buffer)->getBuffer(), path);
}

/// Label names to class indices (the sorted names, unless `classes` fixes them).
static llvm::Expected<DataSet> indexClips(llvm::Expected<NamedClips> named,
                                          llvm::StringRef dirOrCsv,
                                          const std::vector<std::string> &classes) {
  if (!named)
    return named.takeError();
  if (named->empty())
    return llvm::createStringError(dirOrCsv + ": no audio files (.wav, .flac, .ogg)");
  DataSet data;
  data.classes = classes;
  if (data.classes.empty()) {
    std::set<std::string> names;
    for (auto &[file, labels] : *named)
      names.insert(labels.begin(), labels.end());
    data.classes.assign(names.begin(), names.end());
    bool numeric = llvm::all_of(data.classes, [](const std::string &n) {
      return !n.empty() && llvm::all_of(n, llvm::isDigit);
    });
    if (numeric)
      // Numerically, without converting (a 30-digit label would overflow):
      // fewer significant digits first, then digit by digit.
      llvm::sort(data.classes, [](const std::string &a, const std::string &b) {
        llvm::StringRef x = llvm::StringRef(a).ltrim('0'), y = llvm::StringRef(b).ltrim('0');
        return x.size() != y.size() ? x.size() < y.size() : x < y;
      });
  }
  std::map<std::string, int64_t> index;
  for (auto [i, name] : llvm::enumerate(data.classes))
    index[name] = i;
  for (auto &[file, labels] : *named) {
    Clip clip{file, {}};
    for (const std::string &l : labels) {
      auto it = index.find(l);
      if (it == index.end())
        return llvm::createStringError(file + ": label '" + l +
                                       "' is not one of the model's classes");
      clip.labels.push_back(it->second);
    }
    data.clips.push_back(std::move(clip));
  }
  return data;
}

llvm::Expected<DataSet> readDataSet(llvm::StringRef dirOrCsv,
                                    const std::vector<std::string> &classes) {
  return indexClips(llvm::sys::fs::is_directory(dirOrCsv) ? listDirectory(dirOrCsv)
                                                          : readCsv(dirOrCsv),
                    dirOrCsv, classes);
}

llvm::Expected<DataSet> parseDataList(llvm::StringRef text, llvm::StringRef csvPath,
                                      const std::vector<std::string> &classes) {
  return indexClips(parseCsv(text, csvPath), csvPath, classes);
}

llvm::Error checkClips(DataSet &data, const AudioPolicy &policy, bool skip,
                       std::vector<std::string> &skipped) {
  std::vector<std::string> problems(data.clips.size());
  {
    llvm::DefaultThreadPool pool(llvm::hardware_concurrency());
    for (size_t i = 0; i < data.clips.size(); ++i)
      pool.async([&, i] {
        if (llvm::Error err = probeAudio(data.clips[i].path, policy))
          problems[i] = llvm::toString(std::move(err));
      });
    pool.wait();
  }
  std::string report;
  int64_t bad = 0;
  std::vector<Clip> kept;
  for (size_t i = 0; i < data.clips.size(); ++i) {
    if (problems[i].empty()) {
      kept.push_back(std::move(data.clips[i]));
      continue;
    }
    ++bad;
    report += "\n  " + problems[i];
    skipped.push_back(problems[i]);
  }
  if (bad && !skip)
    return llvm::createStringError(
        llvm::formatv("{0} of {1} audio files cannot be used (--skip-bad-files leaves them "
                      "out):{2}",
                      bad, data.clips.size(), report)
            .str());
  data.clips = std::move(kept);
  if (data.clips.empty())
    return llvm::createStringError("no usable audio files are left");
  return llvm::Error::success();
}

} // namespace amae
