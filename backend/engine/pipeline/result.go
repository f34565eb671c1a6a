package pipeline

// Stages Progress reports.
const (
	StageLoad   = "load"
	StageEncode = "encode"
	StageSample = "sample"
	StageHires  = "hires"
	StageRefine = "refine"
	StageDecode = "decode"
	StageSave   = "save"
)

// Progress is one progress report. Sampling stages report every step.
type Progress struct {
	// Stage is one of the Stage… constants.
	Stage string `json:"stage"`
	// Batch is the 0-based batch (of BatchCount) being worked on.
	Batch int `json:"batch"`
	// Step and Total count the stage's steps (1-based Step; 0/0 for
	// stages without steps).
	Step  int `json:"step"`
	Total int `json:"total"`
	// Preview is a small PNG of the current x0 estimate (latent-sized,
	// 1/8 of the image), nil outside sampling.
	Preview []byte `json:"preview,omitempty"`
}

// Result is what a generation produced.
type Result struct {
	Images []Image `json:"images"`
	// Seed is the job's first seed (resolved when the request asked for a
	// random one).
	Seed int64 `json:"seed"`
	// Steps is the number of sampler steps actually run for one batch
	// (img2img runs fewer than Request.Steps; hires and refiner add theirs).
	Steps   int     `json:"steps"`
	Timings Timings `json:"timings"`
}

// Image is one output image.
type Image struct {
	// Path is the written file; empty when the request had no OutputDir.
	Path string `json:"path,omitempty"`
	// PNG is the encoded file, metadata included.
	PNG           []byte `json:"-"`
	Seed          int64  `json:"seed"`
	Subseed       int64  `json:"subseed,omitempty"`
	Width, Height int
	Parameters    string `json:"parameters"` // A1111 "parameters" text
}

// Timings are wall-clock seconds per stage, summed over batches.
type Timings struct {
	LoadS       float64 `json:"load_s"`
	TextEncodeS float64 `json:"text_encode_s"`
	SampleS     float64 `json:"sample_s"`
	DecodeS     float64 `json:"decode_s"`
	TotalS      float64 `json:"total_s"`
}
