// Where an installed envforge finds its data: <prefix>/share/envforge/, beside <prefix>/bin/ where
// the running executable is (meson install, the container image). A build tree has none and
// falls back to the source tree.
#pragma once

#include <string>
#include <string_view>

namespace envforge {

// <exe dir>/../share/envforge/<relative> when it exists, else "".
std::string installed_data_path(std::string_view relative);

}  // namespace envforge
