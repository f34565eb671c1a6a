export namespace catalog {
	
	export class Model {
	    id: string;
	    name: string;
	    fileName: string;
	    path: string;
	    root: string;
	    folder: string;
	    kind: string;
	    family: string;
	    inpaint: boolean;
	    vPrediction: boolean;
	    baseModel?: string;
	    format: string;
	    size: number;
	    // Go type: time
	    modTime: any;
	    sha256: string;
	    autoV2: string;
	    hashing: boolean;
	    tensorCount: number;
	    dtypes: {[key: string]: number};
	    metadata?: {[key: string]: string};
	    status: string;
	    error?: string;
	
	    static createFrom(source: any = {}) {
	        return new Model(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.fileName = source["fileName"];
	        this.path = source["path"];
	        this.root = source["root"];
	        this.folder = source["folder"];
	        this.kind = source["kind"];
	        this.family = source["family"];
	        this.inpaint = source["inpaint"];
	        this.vPrediction = source["vPrediction"];
	        this.baseModel = source["baseModel"];
	        this.format = source["format"];
	        this.size = source["size"];
	        this.modTime = this.convertValues(source["modTime"], null);
	        this.sha256 = source["sha256"];
	        this.autoV2 = source["autoV2"];
	        this.hashing = source["hashing"];
	        this.tensorCount = source["tensorCount"];
	        this.dtypes = source["dtypes"];
	        this.metadata = source["metadata"];
	        this.status = source["status"];
	        this.error = source["error"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace gallery {
	
	export class Filter {
	    text: string;
	    model: string;
	    provider: string;
	    sinceMs: number;
	    untilMs: number;
	
	    static createFrom(source: any = {}) {
	        return new Filter(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.text = source["text"];
	        this.model = source["model"];
	        this.provider = source["provider"];
	        this.sinceMs = source["sinceMs"];
	        this.untilMs = source["untilMs"];
	    }
	}
	export class Item {
	    id: string;
	    jobId: string;
	    path: string;
	    provider: string;
	    model: string;
	    prompt: string;
	    negativePrompt: string;
	    seed: number;
	    width: number;
	    height: number;
	    params?: {[key: string]: any};
	    // Go type: time
	    createdAt: any;
	    exists: boolean;
	    url: string;
	    thumbUrl: string;
	
	    static createFrom(source: any = {}) {
	        return new Item(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.jobId = source["jobId"];
	        this.path = source["path"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.prompt = source["prompt"];
	        this.negativePrompt = source["negativePrompt"];
	        this.seed = source["seed"];
	        this.width = source["width"];
	        this.height = source["height"];
	        this.params = source["params"];
	        this.createdAt = this.convertValues(source["createdAt"], null);
	        this.exists = source["exists"];
	        this.url = source["url"];
	        this.thumbUrl = source["thumbUrl"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Page {
	    items: Item[];
	    total: number;
	
	    static createFrom(source: any = {}) {
	        return new Page(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.items = this.convertValues(source["items"], Item);
	        this.total = source["total"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace generation {
	
	export class CloudModel {
	    provider: string;
	    id: string;
	    name: string;
	    capabilities: providers.Capabilities;
	    locked: boolean;
	
	    static createFrom(source: any = {}) {
	        return new CloudModel(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.id = source["id"];
	        this.name = source["name"];
	        this.capabilities = this.convertValues(source["capabilities"], providers.Capabilities);
	        this.locked = source["locked"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Hires {
	    scale: number;
	    upscaler: string;
	    steps: number;
	    denoise: number;
	
	    static createFrom(source: any = {}) {
	        return new Hires(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.scale = source["scale"];
	        this.upscaler = source["upscaler"];
	        this.steps = source["steps"];
	        this.denoise = source["denoise"];
	    }
	}
	export class KeyTest {
	    provider: string;
	    status: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new KeyTest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.status = source["status"];
	        this.message = source["message"];
	    }
	}
	export class Lora {
	    name: string;
	    weight: number;
	
	    static createFrom(source: any = {}) {
	        return new Lora(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.weight = source["weight"];
	    }
	}
	export class Refiner {
	    model: string;
	    switchAt: number;
	
	    static createFrom(source: any = {}) {
	        return new Refiner(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.model = source["model"];
	        this.switchAt = source["switchAt"];
	    }
	}
	export class Request {
	    provider: string;
	    model: string;
	    mode: string;
	    prompt: string;
	    negativePrompt: string;
	    sampler: string;
	    scheduler: string;
	    steps: number;
	    cfgScale: number;
	    width: number;
	    height: number;
	    seed: number;
	    subseed: number;
	    subseedStrength: number;
	    batchSize: number;
	    batchCount: number;
	    clipSkip: number;
	    vae: string;
	    initImage: string;
	    strength: number;
	    resizeMode: string;
	    mask: string;
	    maskBlur: number;
	    inpaintFill: string;
	    inpaintOnlyMasked: boolean;
	    inpaintPadding: number;
	    hires?: Hires;
	    refiner?: Refiner;
	    loras: Lora[];
	    size: string;
	    aspectRatio: string;
	    options: {[key: string]: string};
	
	    static createFrom(source: any = {}) {
	        return new Request(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.mode = source["mode"];
	        this.prompt = source["prompt"];
	        this.negativePrompt = source["negativePrompt"];
	        this.sampler = source["sampler"];
	        this.scheduler = source["scheduler"];
	        this.steps = source["steps"];
	        this.cfgScale = source["cfgScale"];
	        this.width = source["width"];
	        this.height = source["height"];
	        this.seed = source["seed"];
	        this.subseed = source["subseed"];
	        this.subseedStrength = source["subseedStrength"];
	        this.batchSize = source["batchSize"];
	        this.batchCount = source["batchCount"];
	        this.clipSkip = source["clipSkip"];
	        this.vae = source["vae"];
	        this.initImage = source["initImage"];
	        this.strength = source["strength"];
	        this.resizeMode = source["resizeMode"];
	        this.mask = source["mask"];
	        this.maskBlur = source["maskBlur"];
	        this.inpaintFill = source["inpaintFill"];
	        this.inpaintOnlyMasked = source["inpaintOnlyMasked"];
	        this.inpaintPadding = source["inpaintPadding"];
	        this.hires = this.convertValues(source["hires"], Hires);
	        this.refiner = this.convertValues(source["refiner"], Refiner);
	        this.loras = this.convertValues(source["loras"], Lora);
	        this.size = source["size"];
	        this.aspectRatio = source["aspectRatio"];
	        this.options = source["options"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TokenCount {
	    tokens: number;
	    chunks: number;
	
	    static createFrom(source: any = {}) {
	        return new TokenCount(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.tokens = source["tokens"];
	        this.chunks = source["chunks"];
	    }
	}

}

export namespace history {
	
	export class FacetValue {
	    value: string;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new FacetValue(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.value = source["value"];
	        this.count = source["count"];
	    }
	}
	export class Facets {
	    models: FacetValue[];
	    providers: FacetValue[];
	    // Go type: time
	    oldest: any;
	    // Go type: time
	    newest: any;
	
	    static createFrom(source: any = {}) {
	        return new Facets(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.models = this.convertValues(source["models"], FacetValue);
	        this.providers = this.convertValues(source["providers"], FacetValue);
	        this.oldest = this.convertValues(source["oldest"], null);
	        this.newest = this.convertValues(source["newest"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace jobs {
	
	export class Output {
	    path: string;
	    width: number;
	    height: number;
	    seed: number;
	    metadata?: {[key: string]: any};
	
	    static createFrom(source: any = {}) {
	        return new Output(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.width = source["width"];
	        this.height = source["height"];
	        this.seed = source["seed"];
	        this.metadata = source["metadata"];
	    }
	}
	export class Progress {
	    jobId: string;
	    step: number;
	    total: number;
	    etaSeconds: number;
	    preview?: string;
	    message?: string;
	
	    static createFrom(source: any = {}) {
	        return new Progress(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.jobId = source["jobId"];
	        this.step = source["step"];
	        this.total = source["total"];
	        this.etaSeconds = source["etaSeconds"];
	        this.preview = source["preview"];
	        this.message = source["message"];
	    }
	}
	export class Request {
	    provider: string;
	    model: string;
	    mode: string;
	    prompt: string;
	    negativePrompt: string;
	    params?: {[key: string]: any};
	
	    static createFrom(source: any = {}) {
	        return new Request(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.mode = source["mode"];
	        this.prompt = source["prompt"];
	        this.negativePrompt = source["negativePrompt"];
	        this.params = source["params"];
	    }
	}
	export class Job {
	    id: string;
	    request: Request;
	    state: string;
	    error?: string;
	    progress: Progress;
	    outputs?: Output[];
	    // Go type: time
	    createdAt: any;
	    // Go type: time
	    startedAt?: any;
	    // Go type: time
	    finishedAt?: any;
	    order: number;
	
	    static createFrom(source: any = {}) {
	        return new Job(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.request = this.convertValues(source["request"], Request);
	        this.state = source["state"];
	        this.error = source["error"];
	        this.progress = this.convertValues(source["progress"], Progress);
	        this.outputs = this.convertValues(source["outputs"], Output);
	        this.createdAt = this.convertValues(source["createdAt"], null);
	        this.startedAt = this.convertValues(source["startedAt"], null);
	        this.finishedAt = this.convertValues(source["finishedAt"], null);
	        this.order = source["order"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	

}

export namespace paths {
	
	export class Layout {
	    configDir: string;
	    dataDir: string;
	    logsDir: string;
	    cacheDir: string;
	    databasePath: string;
	    settingsPath: string;
	    defaultModelsRoot: string;
	    defaultOutputDir: string;
	
	    static createFrom(source: any = {}) {
	        return new Layout(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.configDir = source["configDir"];
	        this.dataDir = source["dataDir"];
	        this.logsDir = source["logsDir"];
	        this.cacheDir = source["cacheDir"];
	        this.databasePath = source["databasePath"];
	        this.settingsPath = source["settingsPath"];
	        this.defaultModelsRoot = source["defaultModelsRoot"];
	        this.defaultOutputDir = source["defaultOutputDir"];
	    }
	}

}

export namespace pnginfo {
	
	export class KV {
	    key: string;
	    value: string;
	
	    static createFrom(source: any = {}) {
	        return new KV(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.value = source["value"];
	    }
	}
	export class Parameters {
	    prompt: string;
	    negative_prompt: string;
	    steps: number;
	    sampler: string;
	    schedule: string;
	    cfg_scale: number;
	    seed: number;
	    width: number;
	    height: number;
	    model_hash?: string;
	    model?: string;
	    denoising_strength?: number;
	    clip_skip?: number;
	    extra?: KV[];
	
	    static createFrom(source: any = {}) {
	        return new Parameters(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.prompt = source["prompt"];
	        this.negative_prompt = source["negative_prompt"];
	        this.steps = source["steps"];
	        this.sampler = source["sampler"];
	        this.schedule = source["schedule"];
	        this.cfg_scale = source["cfg_scale"];
	        this.seed = source["seed"];
	        this.width = source["width"];
	        this.height = source["height"];
	        this.model_hash = source["model_hash"];
	        this.model = source["model"];
	        this.denoising_strength = source["denoising_strength"];
	        this.clip_skip = source["clip_skip"];
	        this.extra = this.convertValues(source["extra"], KV);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Info {
	    source: string;
	    parameters?: Parameters;
	    request?: number[];
	    comfy_prompt?: number[];
	    comfy_workflow?: number[];
	    invokeai?: number[];
	    chunks: {[key: string]: string};
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.source = source["source"];
	        this.parameters = this.convertValues(source["parameters"], Parameters);
	        this.request = source["request"];
	        this.comfy_prompt = source["comfy_prompt"];
	        this.comfy_workflow = source["comfy_workflow"];
	        this.invokeai = source["invokeai"];
	        this.chunks = source["chunks"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	

}

export namespace prompts {
	
	export class Prompt {
	    positive: string;
	    negative: string;
	
	    static createFrom(source: any = {}) {
	        return new Prompt(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.positive = source["positive"];
	        this.negative = source["negative"];
	    }
	}
	export class Style {
	    name: string;
	    prompt: string;
	    negativePrompt: string;
	
	    static createFrom(source: any = {}) {
	        return new Style(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.prompt = source["prompt"];
	        this.negativePrompt = source["negativePrompt"];
	    }
	}

}

export namespace providers {
	
	export class Option {
	    key: string;
	    label: string;
	    kind: string;
	    values?: string[];
	    default?: string;
	    min?: number;
	    max?: number;
	    help?: string;
	
	    static createFrom(source: any = {}) {
	        return new Option(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.label = source["label"];
	        this.kind = source["kind"];
	        this.values = source["values"];
	        this.default = source["default"];
	        this.min = source["min"];
	        this.max = source["max"];
	        this.help = source["help"];
	    }
	}
	export class SizeRange {
	    minWidth: number;
	    maxWidth: number;
	    minHeight: number;
	    maxHeight: number;
	    multiple?: number;
	
	    static createFrom(source: any = {}) {
	        return new SizeRange(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.minWidth = source["minWidth"];
	        this.maxWidth = source["maxWidth"];
	        this.minHeight = source["minHeight"];
	        this.maxHeight = source["maxHeight"];
	        this.multiple = source["multiple"];
	    }
	}
	export class Capabilities {
	    textToImage: boolean;
	    imageEdit: boolean;
	    maxInputImages?: number;
	    mask: boolean;
	    negativePrompt: boolean;
	    seed: boolean;
	    sizes?: string[];
	    sizeRange?: SizeRange;
	    aspectRatios?: string[];
	    maxImages: number;
	    options?: Option[];
	
	    static createFrom(source: any = {}) {
	        return new Capabilities(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.textToImage = source["textToImage"];
	        this.imageEdit = source["imageEdit"];
	        this.maxInputImages = source["maxInputImages"];
	        this.mask = source["mask"];
	        this.negativePrompt = source["negativePrompt"];
	        this.seed = source["seed"];
	        this.sizes = source["sizes"];
	        this.sizeRange = this.convertValues(source["sizeRange"], SizeRange);
	        this.aspectRatios = source["aspectRatios"];
	        this.maxImages = source["maxImages"];
	        this.options = this.convertValues(source["options"], Option);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	

}

export namespace remote {
	
	export class ServerStatus {
	    url: string;
	    up: boolean;
	    busy: number;
	    err?: string;
	
	    static createFrom(source: any = {}) {
	        return new ServerStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.url = source["url"];
	        this.up = source["up"];
	        this.busy = source["busy"];
	        this.err = source["err"];
	    }
	}

}

export namespace secrets {
	
	export class Status {
	    provider: string;
	    name: string;
	    set: boolean;
	    source: string;
	    last4: string;
	    envVar: string;
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.name = source["name"];
	        this.set = source["set"];
	        this.source = source["source"];
	        this.last4 = source["last4"];
	        this.envVar = source["envVar"];
	    }
	}
	export class State {
	    keychainAvailable: boolean;
	    message: string;
	    keys: Status[];
	
	    static createFrom(source: any = {}) {
	        return new State(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.keychainAvailable = source["keychainAvailable"];
	        this.message = source["message"];
	        this.keys = this.convertValues(source["keys"], Status);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace settings {
	
	export class Cloud {
	    openaiBaseURL: string;
	    ideogramBaseURL: string;
	    bflBaseURL: string;
	
	    static createFrom(source: any = {}) {
	        return new Cloud(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.openaiBaseURL = source["openaiBaseURL"];
	        this.ideogramBaseURL = source["ideogramBaseURL"];
	        this.bflBaseURL = source["bflBaseURL"];
	    }
	}
	export class ComfyUI {
	    servers: string[];
	
	    static createFrom(source: any = {}) {
	        return new ComfyUI(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.servers = source["servers"];
	    }
	}
	export class Engine {
	    device: string;
	    idleTimeoutMinutes: number;
	    memoryBudgetGB: number;
	
	    static createFrom(source: any = {}) {
	        return new Engine(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.device = source["device"];
	        this.idleTimeoutMinutes = source["idleTimeoutMinutes"];
	        this.memoryBudgetGB = source["memoryBudgetGB"];
	    }
	}
	export class Generation {
	    checkpoint: string;
	    sampler: string;
	    scheduler: string;
	    steps: number;
	    cfgScale: number;
	    width: number;
	    height: number;
	    seed: number;
	    clipSkip: number;
	    batchSize: number;
	
	    static createFrom(source: any = {}) {
	        return new Generation(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.checkpoint = source["checkpoint"];
	        this.sampler = source["sampler"];
	        this.scheduler = source["scheduler"];
	        this.steps = source["steps"];
	        this.cfgScale = source["cfgScale"];
	        this.width = source["width"];
	        this.height = source["height"];
	        this.seed = source["seed"];
	        this.clipSkip = source["clipSkip"];
	        this.batchSize = source["batchSize"];
	    }
	}
	export class Settings {
	    version: number;
	    theme: string;
	    modelsRoot: string;
	    extraModelRoots: string[];
	    outputDir: string;
	    filenamePattern: string;
	    logLevel: string;
	    engine: Engine;
	    generation: Generation;
	    cloud: Cloud;
	    comfyui: ComfyUI;
	
	    static createFrom(source: any = {}) {
	        return new Settings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.theme = source["theme"];
	        this.modelsRoot = source["modelsRoot"];
	        this.extraModelRoots = source["extraModelRoots"];
	        this.outputDir = source["outputDir"];
	        this.filenamePattern = source["filenamePattern"];
	        this.logLevel = source["logLevel"];
	        this.engine = this.convertValues(source["engine"], Engine);
	        this.generation = this.convertValues(source["generation"], Generation);
	        this.cloud = this.convertValues(source["cloud"], Cloud);
	        this.comfyui = this.convertValues(source["comfyui"], ComfyUI);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace stats {
	
	export class Spread {
	    label: string;
	    count: number;
	    min: number;
	    p25: number;
	    median: number;
	    p75: number;
	    max: number;
	    mean: number;
	
	    static createFrom(source: any = {}) {
	        return new Spread(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.label = source["label"];
	        this.count = source["count"];
	        this.min = source["min"];
	        this.p25 = source["p25"];
	        this.median = source["median"];
	        this.p75 = source["p75"];
	        this.max = source["max"];
	        this.mean = source["mean"];
	    }
	}
	export class Breakdown {
	    overall: Spread;
	    byModel: Spread[];
	    bySize: Spread[];
	    byDevice: Spread[];
	
	    static createFrom(source: any = {}) {
	        return new Breakdown(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.overall = this.convertValues(source["overall"], Spread);
	        this.byModel = this.convertValues(source["byModel"], Spread);
	        this.bySize = this.convertValues(source["bySize"], Spread);
	        this.byDevice = this.convertValues(source["byDevice"], Spread);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Bucket {
	    // Go type: time
	    start: any;
	    done: number;
	    failed: number;
	    cancelled: number;
	
	    static createFrom(source: any = {}) {
	        return new Bucket(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.start = this.convertValues(source["start"], null);
	        this.done = source["done"];
	        this.failed = source["failed"];
	        this.cancelled = source["cancelled"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Outcomes {
	    done: number;
	    failed: number;
	    cancelled: number;
	    successRate: number;
	
	    static createFrom(source: any = {}) {
	        return new Outcomes(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.done = source["done"];
	        this.failed = source["failed"];
	        this.cancelled = source["cancelled"];
	        this.successRate = source["successRate"];
	    }
	}
	export class Resources {
	    device: string;
	    peakRamBytes: Spread;
	    peakVramBytes: Spread;
	    cpuCores: Spread;
	
	    static createFrom(source: any = {}) {
	        return new Resources(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.device = source["device"];
	        this.peakRamBytes = this.convertValues(source["peakRamBytes"], Spread);
	        this.peakVramBytes = this.convertValues(source["peakVramBytes"], Spread);
	        this.cpuCores = this.convertValues(source["cpuCores"], Spread);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Timeline {
	    // Go type: time
	    start: any;
	    bucketSeconds: number;
	    buckets: Bucket[];
	
	    static createFrom(source: any = {}) {
	        return new Timeline(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.start = this.convertValues(source["start"], null);
	        this.bucketSeconds = source["bucketSeconds"];
	        this.buckets = this.convertValues(source["buckets"], Bucket);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Summary {
	    // Go type: time
	    since?: any;
	    // Go type: time
	    until: any;
	    jobs: number;
	    images: number;
	    outcomes: Outcomes;
	    timeline: Timeline;
	    imageSeconds: Breakdown;
	    responseSeconds: Spread[];
	    resources: Resources[];
	
	    static createFrom(source: any = {}) {
	        return new Summary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.since = this.convertValues(source["since"], null);
	        this.until = this.convertValues(source["until"], null);
	        this.jobs = source["jobs"];
	        this.images = source["images"];
	        this.outcomes = this.convertValues(source["outcomes"], Outcomes);
	        this.timeline = this.convertValues(source["timeline"], Timeline);
	        this.imageSeconds = this.convertValues(source["imageSeconds"], Breakdown);
	        this.responseSeconds = this.convertValues(source["responseSeconds"], Spread);
	        this.resources = this.convertValues(source["resources"], Resources);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace version {
	
	export class Info {
	    version: string;
	    commit: string;
	    goVersion: string;
	    os: string;
	    arch: string;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.commit = source["commit"];
	        this.goVersion = source["goVersion"];
	        this.os = source["os"];
	        this.arch = source["arch"];
	    }
	}

}

export namespace workflowjobs {
	
	export class Field {
	    node: string;
	    input: string;
	    type: string;
	    value: any;
	    choices?: string[];
	    min?: number;
	    max?: number;
	    file?: string;
	    multiline?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Field(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.node = source["node"];
	        this.input = source["input"];
	        this.type = source["type"];
	        this.value = source["value"];
	        this.choices = source["choices"];
	        this.min = source["min"];
	        this.max = source["max"];
	        this.file = source["file"];
	        this.multiline = source["multiline"];
	    }
	}
	export class NamedInput {
	    name: string;
	    node: string;
	    class: string;
	    fields: Field[];
	
	    static createFrom(source: any = {}) {
	        return new NamedInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.node = source["node"];
	        this.class = source["class"];
	        this.fields = this.convertValues(source["fields"], Field);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class NodeInfo {
	    id: string;
	    class: string;
	    title?: string;
	    known: boolean;
	    fields: Field[];
	
	    static createFrom(source: any = {}) {
	        return new NodeInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.class = source["class"];
	        this.title = source["title"];
	        this.known = source["known"];
	        this.fields = this.convertValues(source["fields"], Field);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Value {
	    node: string;
	    input: string;
	    value: any;
	
	    static createFrom(source: any = {}) {
	        return new Value(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.node = source["node"];
	        this.input = source["input"];
	        this.value = source["value"];
	    }
	}
	export class RunRequest {
	    template?: string;
	    graph?: string;
	    name?: string;
	    values: Value[];
	    target: string;
	
	    static createFrom(source: any = {}) {
	        return new RunRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.template = source["template"];
	        this.graph = source["graph"];
	        this.name = source["name"];
	        this.values = this.convertValues(source["values"], Value);
	        this.target = source["target"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Template {
	    id: string;
	    name: string;
	    description: string;
	    builtin: boolean;
	    inputs: NamedInput[];
	
	    static createFrom(source: any = {}) {
	        return new Template(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.builtin = source["builtin"];
	        this.inputs = this.convertValues(source["inputs"], NamedInput);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Workflow {
	    name: string;
	    description?: string;
	    source: string;
	    template?: string;
	    graph: string;
	    nodes: NodeInfo[];
	    inputs: NamedInput[];
	    problem?: string;
	
	    static createFrom(source: any = {}) {
	        return new Workflow(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.description = source["description"];
	        this.source = source["source"];
	        this.template = source["template"];
	        this.graph = source["graph"];
	        this.nodes = this.convertValues(source["nodes"], NodeInfo);
	        this.inputs = this.convertValues(source["inputs"], NamedInput);
	        this.problem = source["problem"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

