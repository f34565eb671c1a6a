package sampling

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func same(a, b Sampler) bool { return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() }

func TestLookupSamplerNames(t *testing.T) {
	for _, tc := range []struct {
		names   []string
		fn      Sampler
		id      string
		discard bool
	}{
		// DreamLayer settings ids, then ComfyUI ids, then A1111 names.
		{[]string{"euler", "Euler", "k_euler"}, Euler, "euler", false},
		{[]string{"euler_a", "euler_ancestral", "Euler a"}, EulerAncestral, "euler_a", false},
		{[]string{"heun", "Heun"}, Heun, "heun", false},
		{[]string{"dpm_2", "DPM2"}, DPM2, "dpm_2", true},
		{[]string{"dpm_2_a", "dpm_2_ancestral", "DPM2 a"}, DPM2Ancestral, "dpm_2_a", true},
		{[]string{"dpmpp_2s_a", "dpmpp_2s_ancestral", "DPM++ 2S a"}, DPMPP2SAncestral, "dpmpp_2s_a", false},
		{[]string{"dpmpp_2m", "DPM++ 2M"}, DPMPP2M, "dpmpp_2m", false},
		{[]string{"dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "DPM++ 2M SDE"}, DPMPP2MSDE, "dpmpp_2m_sde", false},
		{[]string{"DPM++ 2M SDE Heun", "dpmpp_2m_sde_heun"}, DPMPP2MSDEHeun, "dpmpp_2m_sde_heun", false},
		{[]string{"dpmpp_3m_sde", "dpmpp_3m_sde_gpu"}, DPMPP3MSDE, "dpmpp_3m_sde", false},
		{[]string{"DPM++ 3M SDE"}, DPMPP3MSDE, "dpmpp_3m_sde", true},
		{[]string{"dpmpp_sde", "dpmpp_sde_gpu", "DPM++ SDE"}, DPMPPSDE, "dpmpp_sde", false},
		{[]string{"lms", "LMS"}, LMS, "lms", false},
		{[]string{"ddim", "DDIM"}, DDIM, "ddim", false},
		{[]string{"plms", "PLMS"}, PLMS, "plms", false},
		{[]string{"uni_pc"}, UniPC, "uni_pc", true},
		{[]string{"UniPC"}, UniPC, "uni_pc", false},
		{[]string{"uni_pc_bh2"}, UniPCBH2, "uni_pc_bh2", true},
		{[]string{"lcm", "LCM"}, LCM, "lcm", false},
	} {
		for _, name := range tc.names {
			t.Run(name, func(t *testing.T) {
				fn, hint, err := LookupSampler(name)
				require.NoError(t, err)
				assert.True(t, same(tc.fn, fn))
				assert.Equal(t, tc.id, hint.ID)
				assert.Equal(t, tc.discard, hint.DiscardPenultimate)
				assert.Empty(t, hint.Schedule, "a plain name leaves the schedule to the user")
				_, err = LookupSchedule(hint.Default)
				assert.NoError(t, err, "default schedule %q exists", hint.Default)
			})
		}
	}
}

func TestLookupSamplerCombinedAndCase(t *testing.T) {
	for _, tc := range []struct {
		name, id, schedule string
	}{
		{"DPM++ 2M Karras", "dpmpp_2m", "karras"},
		{"DPM++ SDE Karras", "dpmpp_sde", "karras"},
		{"DPM++ 2M SDE Karras", "dpmpp_2m_sde", "karras"},
		{"DPM++ 2M SDE Exponential", "dpmpp_2m_sde", "exponential"},
		{"DPM++ 2S a Karras", "dpmpp_2s_a", "karras"},
		{"DPM++ 3M SDE Exponential", "dpmpp_3m_sde", "exponential"},
		{"DPM2 a Karras", "dpm_2_a", "karras"},
		{"LMS Karras", "lms", "karras"},
		{"dpm++ 2m karras", "dpmpp_2m", "karras"},
		{"  Euler A ", "euler_a", ""},
		{"EULER", "euler", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, hint, err := LookupSampler(tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.id, hint.ID)
			assert.Equal(t, tc.schedule, hint.Schedule)
		})
	}
	for _, bad := range []string{"", "Karras", "euler_a Karras", "dpmpp_4m", "DPM++ 2M Simple"} {
		_, _, err := LookupSampler(bad)
		assert.ErrorIs(t, err, ErrUnknownSampler, bad)
	}
}

func TestSamplerNamesCoverEverySampler(t *testing.T) {
	want := []string{"euler", "euler_a", "heun", "dpm_2", "dpm_2_a", "dpmpp_2s_a", "dpmpp_2m", "dpmpp_2m_sde",
		"dpmpp_2m_sde_heun", "dpmpp_3m_sde", "dpmpp_sde", "lms", "ddim", "plms", "uni_pc", "uni_pc_bh2", "lcm"}
	assert.Equal(t, want, SamplerNames())
	for _, sc := range allSamplers() {
		found := false
		for _, e := range samplerTable {
			found = found || same(e.fn, sc.fn)
		}
		assert.True(t, found, "%s is in the names table", sc.name)
	}
}

func TestLookupSchedule(t *testing.T) {
	for _, tc := range []struct {
		names []string
		fn    Schedule
	}{
		{[]string{"normal", "Normal", "Uniform"}, Normal},
		{[]string{"karras", "Karras"}, Karras},
		{[]string{"exponential", "Exponential"}, Exponential},
		{[]string{"sgm_uniform", "SGM Uniform"}, SGMUniform},
		{[]string{"simple", "Simple"}, Simple},
		{[]string{"ddim_uniform", "DDIM"}, DDIMUniform},
		{[]string{"beta", "BETA"}, Beta},
		{[]string{"Beta", "beta_a1111"}, BetaA1111},
		{[]string{"kl_optimal", "KL Optimal"}, KLOptimal},
		{[]string{"align_your_steps", "AYS"}, AlignYourSteps},
		{[]string{"Align Your Steps", "align your steps"}, AlignYourStepsA1111},
	} {
		for _, name := range tc.names {
			fn, err := LookupSchedule(name)
			require.NoError(t, err, name)
			assert.Equal(t, reflect.ValueOf(tc.fn).Pointer(), reflect.ValueOf(fn).Pointer(), name)
		}
	}
	_, err := LookupSchedule("Automatic")
	assert.ErrorIs(t, err, ErrUnknownSchedule)
	assert.Len(t, ScheduleNames(), len(scheduleTable))
}

func TestResolveSchedule(t *testing.T) {
	_, hint, err := LookupSampler("DPM++ 2M Karras")
	require.NoError(t, err)
	fn, err := ResolveSchedule("Exponential", hint)
	require.NoError(t, err)
	assert.Equal(t, reflect.ValueOf(Karras).Pointer(), reflect.ValueOf(fn).Pointer(), "the combined name wins")

	_, hint, err = LookupSampler("dpmpp_2m_sde")
	require.NoError(t, err)
	for _, auto := range []string{"", "Automatic", "automatic"} {
		fn, err = ResolveSchedule(auto, hint)
		require.NoError(t, err)
		assert.Equal(t, reflect.ValueOf(Exponential).Pointer(), reflect.ValueOf(fn).Pointer())
	}
	fn, err = ResolveSchedule("simple", hint)
	require.NoError(t, err)
	assert.Equal(t, reflect.ValueOf(Simple).Pointer(), reflect.ValueOf(fn).Pointer())
	_, err = ResolveSchedule("nope", hint)
	assert.ErrorIs(t, err, ErrUnknownSchedule)
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"DPM++ 2M Karras", "euler_a", "", " Karras", "UniPC", "Beta", "DDIM Exponential"} {
		f.Add(s)
	}
	ids := SamplerNames()
	f.Fuzz(func(t *testing.T, name string) {
		fn, hint, err := LookupSampler(name)
		if err == nil {
			require.NotNil(t, fn)
			require.True(t, slices.Contains(ids, hint.ID))
			_, err = ResolveSchedule(name, hint)
			_ = err // a sampler name is rarely a schedule name too
		}
		if s, err := LookupSchedule(name); err == nil {
			require.NotNil(t, s)
		}
	})
}

// samplerFiles hold the samplers and their shared helpers.
var samplerFiles = []string{"sampler.go", "euler.go", "heun.go", "dpmpp.go", "dpmpp_sde.go", "lms.go", "unipc.go"}

// TestSamplerFilesStayModelAgnostic enforces STYLE.md §4: sampler files do not
// mention the model's parameterisation or guidance, and each sampler body is
// at most 60 lines.
func TestSamplerFilesStayModelAgnostic(t *testing.T) {
	forbidden := regexp.MustCompile(`(?i)\b(eps|epsilon|v-prediction|v_prediction|guidance|cfg)\b`)
	fset := token.NewFileSet()
	for _, name := range samplerFiles {
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		assert.Empty(t, forbidden.FindAllString(string(src), -1), name)
		file, err := parser.ParseFile(fset, name, src, 0)
		require.NoError(t, err)
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv != nil {
				continue
			}
			if p := fd.Type.Params.List; len(p) == 0 || !strings.Contains(types(p[0].Type), "Context") {
				continue
			}
			lines := fset.Position(fd.Body.End()).Line - fset.Position(fd.Body.Pos()).Line - 1
			assert.LessOrEqual(t, lines, 60, "%s: %s body has %d lines", name, fd.Name.Name, lines)
		}
	}
}

func types(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok {
		return s.Sel.Name
	}
	return ""
}
