// Reading and writing safetensors checkpoints: one file or shards listed by
// model.safetensors.index.json. Files are memory-mapped; tensors point into the mapping.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace envforge::model {

// F8_E4M3 is DeepSeek-V3.2's release format: linear weights in FP8 (e4m3fn) with an F32
// `<name>_scale_inv` per 128 x 128 block; weights.cpp dequantizes them at load.
enum class TensorDType : uint8_t { F32, F16, BF16, F8_E4M3 };
const char* tensor_dtype_name(TensorDType t);  // "F32", "F16", "BF16", "F8_E4M3"
int64_t tensor_dtype_size(TensorDType t);

struct TensorRef {
    std::string name;
    TensorDType dtype = TensorDType::F32;
    std::vector<int64_t> shape;
    const void* data = nullptr;  // inside a mapping owned by the Checkpoint
    std::string file;            // which file holds it (for messages)
    int64_t numel() const;
};

std::string shape_string(const std::vector<int64_t>& shape);  // "[128, 64]"

class MappedFile;

// All tensors of a checkpoint directory. Throws InvalidInput/IoError with the file and the
// problem (bad header, offsets out of range, unsupported dtype, duplicate names).
class Checkpoint {
public:
    explicit Checkpoint(const std::string& dir);
    ~Checkpoint();
    Checkpoint(const Checkpoint&) = delete;
    Checkpoint& operator=(const Checkpoint&) = delete;

    const std::map<std::string, TensorRef>& tensors() const { return tensors_; }
    const TensorRef* find(const std::string& name) const;
    int64_t bytes() const { return bytes_; }

private:
    void load_file(const std::string& path);
    std::vector<std::unique_ptr<MappedFile>> files_;
    std::map<std::string, TensorRef> tensors_;
    int64_t bytes_ = 0;
};

// A tensor to write: raw little-endian bytes of dtype, numel(shape) elements.
struct TensorData {
    std::string name;
    TensorDType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
};

// Writes tensors to `path` with a header padded to 8 bytes (so data is aligned) and
// "__metadata__": {"format": "pt"}, as the HF writer does.
void write_safetensors(const std::string& path, const std::vector<const TensorData*>& tensors);

}  // namespace envforge::model
