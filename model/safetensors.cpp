#include "model/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "common/json.hpp"

namespace envforge::model {

namespace fs = std::filesystem;

const char* tensor_dtype_name(TensorDType t) {
    switch (t) {
        case TensorDType::F32: return "F32";
        case TensorDType::F16: return "F16";
        case TensorDType::BF16: return "BF16";
        case TensorDType::F8_E4M3: return "F8_E4M3";
    }
    return "?";
}

int64_t tensor_dtype_size(TensorDType t) {
    switch (t) {
        case TensorDType::F32: return 4;
        case TensorDType::F8_E4M3: return 1;
        default: return 2;
    }
}

int64_t TensorRef::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// A weights file mapped read-only: tensors are used in place (no copy of a checkpoint that may be
// larger than memory), and the kernel pages them in as the first forward pass touches them.
class MappedFile {
public:
    explicit MappedFile(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw IoError("weights file '" + path + "': " + std::strerror(errno));
        struct stat st {};
        fstat(fd_, &st);
        size_ = static_cast<size_t>(st.st_size);
        if (size_ > 0) {
            data_ = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
            if (data_ == MAP_FAILED) {
                data_ = nullptr;
                ::close(fd_);
                throw IoError("weights file '" + path + "': mmap: " + std::strerror(errno));
            }
        }
    }
    ~MappedFile() {
        if (data_) munmap(data_, size_);
        if (fd_ >= 0) ::close(fd_);
    }
    const uint8_t* data() const { return static_cast<const uint8_t*>(data_); }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    void* data_ = nullptr;
    size_t size_ = 0;
};

namespace {

TensorDType parse_dtype(const std::string& s, const std::string& where) {
    if (s == "F32") return TensorDType::F32;
    if (s == "F16") return TensorDType::F16;
    if (s == "BF16") return TensorDType::BF16;
    if (s == "F8_E4M3") return TensorDType::F8_E4M3;
    throw InvalidInput(where + ": dtype '" + s + "' is not supported (expected BF16, F16, F32 or F8_E4M3)");
}

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IoError("cannot read '" + path + "'");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

Checkpoint::Checkpoint(const std::string& dir) {
    if (!fs::is_directory(dir)) throw IoError("checkpoint '" + dir + "' is not a directory");
    const std::string index = dir + "/model.safetensors.index.json";
    std::vector<std::string> files;
    if (fs::exists(index)) {
        Json j = Json::parse(read_text(index), index);
        const Json* map = j.find("weight_map");
        if (!map || !map->is_object()) throw InvalidInput(index + ": 'weight_map' must be an object");
        for (const auto& m : map->as_object()) {
            if (!m.value.is_string()) throw InvalidInput(index + ": weight_map['" + m.key + "'] must be a file name");
            const std::string f = m.value.as_string();
            if (f.find('/') != std::string::npos) throw InvalidInput(index + ": file '" + f + "' must be in the checkpoint directory");
            if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
        }
        for (const auto& f : files) load_file(dir + "/" + f);
        for (const auto& m : map->as_object())
            if (!tensors_.count(m.key))
                throw InvalidInput(index + ": tensor '" + m.key + "' is listed in " + m.value.as_string() + " but not stored there");
    } else {
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().extension() == ".safetensors") files.push_back(e.path().filename().string());
        std::sort(files.begin(), files.end());
        if (files.empty()) throw IoError("checkpoint '" + dir + "' has no *.safetensors file");
        for (const auto& f : files) load_file(dir + "/" + f);
    }
}

Checkpoint::~Checkpoint() = default;

const TensorRef* Checkpoint::find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
}

// The safetensors layout: an 8-byte little-endian header length, that many bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}), then the tensor
// bytes, offsets relative to the end of the header. Every number in the header is checked against
// the file before a pointer is made from it: a truncated or crafted file is a one-line error, never
// a read past the mapping.
void Checkpoint::load_file(const std::string& path) {
    auto file = std::make_unique<MappedFile>(path);
    const uint8_t* base = file->data();
    const size_t size = file->size();
    if (size < 8) throw InvalidInput("weights file '" + path + "': too short for a safetensors header");
    uint64_t header_len;
    std::memcpy(&header_len, base, 8);
    // Real headers are kilobytes to a few megabytes; the cap keeps a hostile length from making
    // us parse (and allocate for) gigabytes.
    if (header_len > size - 8 || header_len > (100u << 20))
        throw InvalidInput("weights file '" + path + "': header length " + std::to_string(header_len) + " exceeds the file");
    Json header = Json::parse(std::string_view(reinterpret_cast<const char*>(base + 8), header_len), path + " header");
    if (!header.is_object()) throw InvalidInput("weights file '" + path + "': header is not a JSON object");
    const uint8_t* data = base + 8 + header_len;
    const uint64_t data_len = size - 8 - header_len;
    for (const auto& m : header.as_object()) {
        if (m.key == "__metadata__") continue;
        const std::string where = "weights file '" + path + "', tensor '" + m.key + "'";
        const Json& t = m.value;
        const Json* dt = t.find("dtype");
        const Json* shape = t.find("shape");
        const Json* off = t.find("data_offsets");
        if (!dt || !dt->is_string() || !shape || !shape->is_array() || !off || !off->is_array() || off->size() != 2)
            throw InvalidInput(where + ": needs dtype, shape and data_offsets [begin, end]");
        TensorRef ref;
        ref.name = m.key;
        ref.file = path;
        ref.dtype = parse_dtype(dt->as_string(), where);
        // The element count is multiplied with an overflow check: a shape such as [2^40, 2^40]
        // must not wrap around to a byte count that matches the offsets.
        int64_t numel = 1;
        for (const Json& d : shape->as_array()) {
            if (!d.is_int() || d.as_int() < 0) throw InvalidInput(where + ": shape entries must be non-negative integers");
            if (__builtin_mul_overflow(numel, d.as_int(), &numel) || numel > static_cast<int64_t>(data_len))
                throw InvalidInput(where + ": shape " + shape_string(ref.shape) + "... holds more elements than the file has bytes");
            ref.shape.push_back(d.as_int());
        }
        const Json& b = off->as_array()[0];
        const Json& e = off->as_array()[1];
        if (!b.is_int() || !e.is_int() || b.as_int() < 0 || e.as_int() < b.as_int() || static_cast<uint64_t>(e.as_int()) > data_len)
            throw InvalidInput(where + ": data_offsets outside the file's " + std::to_string(data_len) + " data bytes");
        if (e.as_int() - b.as_int() != ref.numel() * tensor_dtype_size(ref.dtype))
            throw InvalidInput(where + ": " + std::to_string(e.as_int() - b.as_int()) + " bytes for shape " + shape_string(ref.shape) +
                               " of " + tensor_dtype_name(ref.dtype));
        ref.data = data + b.as_int();
        if (tensors_.count(ref.name)) throw InvalidInput(where + ": stored twice (also in " + tensors_[ref.name].file + ")");
        bytes_ += e.as_int() - b.as_int();
        tensors_.emplace(ref.name, std::move(ref));
    }
    files_.push_back(std::move(file));
}

void write_safetensors(const std::string& path, const std::vector<const TensorData*>& tensors) {
    Json header = Json::object({{"__metadata__", Json::object({{"format", "pt"}})}});
    int64_t offset = 0;
    for (const TensorData* t : tensors) {
        JsonArray shape;
        for (int64_t d : t->shape) shape.push_back(Json(d));
        const int64_t n = static_cast<int64_t>(t->bytes.size());
        header.set(t->name, Json::object({{"dtype", tensor_dtype_name(t->dtype)},
                                          {"shape", Json(std::move(shape))},
                                          {"data_offsets", Json(JsonArray{Json(offset), Json(offset + n)})}}));
        offset += n;
    }
    std::string text = header.dump();
    while ((8 + text.size()) % 8) text += ' ';
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw IoError("cannot write '" + path + "'");
    const uint64_t len = text.size();
    f.write(reinterpret_cast<const char*>(&len), 8);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const TensorData* t : tensors)
        f.write(reinterpret_cast<const char*>(t->bytes.data()), static_cast<std::streamsize>(t->bytes.size()));
    if (!f.flush()) throw IoError("cannot write '" + path + "' (disk full?)");
}

}  // namespace envforge::model
