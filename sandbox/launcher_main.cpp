// envforge-sandbox-launch: spawned by the sandbox supervisor for every call.
#include "sandbox/launcher.hpp"

int main(int argc, char** argv) { return envforge::sandbox::launcher_main(argc, argv); }
