// `caldera run` for sources whose frames differ in size (folders of images): one frame at a
// time, the --vf chain planned again whenever the size or format changes.
#pragma once

#include <memory>

#include "caldera/commands.hpp"
#include "caldera/io/media.hpp"
#include "caldera/status.hpp"

namespace caldera::app {

Status run_frame_by_frame(const RunOptions& o, std::unique_ptr<MediaSource> source);

}  // namespace caldera::app
