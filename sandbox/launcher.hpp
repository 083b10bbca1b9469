// Entry point of envforge-sandbox-launch (see launcher.cpp): config on fd 3, status on fd 4.
#pragma once

namespace envforge::sandbox {

int launcher_main(int argc, char** argv);

}  // namespace envforge::sandbox
