// The phases of a generated image, in build order, with what each adds and why (shown in --guided mode).
// Pure data.

export const USE_CASES = {
  cv: {
    description: 'computer vision: OpenCV, Pillow, scikit-image, albumentations',
    packages: ['opencv-python-headless', 'pillow', 'scikit-image', 'albumentations'],
  },
  nlp: {
    description: 'natural language: transformers, datasets, tokenizers, nltk, spaCy',
    packages: ['transformers', 'datasets', 'tokenizers', 'nltk', 'spacy'],
  },
  rl: {
    description: 'reinforcement learning: Gymnasium, Stable-Baselines3',
    packages: ['gymnasium', 'stable-baselines3'],
  },
  llm: {
    description: 'large language models: transformers, accelerate, PEFT, bitsandbytes, sentencepiece',
    packages: ['transformers', 'accelerate', 'peft', 'bitsandbytes', 'sentencepiece'],
  },
  audio: {
    description: 'audio: librosa, soundfile, torchaudio-friendly tools',
    packages: ['librosa', 'soundfile'],
  },
  timeseries: {
    description: 'time series: statsmodels, sktime',
    packages: ['statsmodels', 'sktime'],
  },
} as const satisfies Record<string, { description: string; packages: readonly string[] }>;

export type UseCase = keyof typeof USE_CASES;

export function isUseCase(x: string): x is UseCase {
  return Object.hasOwn(USE_CASES, x);
}

export const JUPYTER_PACKAGES = ['jupyterlab', 'ipykernel', 'ipywidgets'] as const;
export const DATA_SCIENCE_PACKAGES = [
  'numpy',
  'pandas',
  'scipy',
  'scikit-learn',
  'matplotlib',
  'seaborn',
] as const;

/** Section ids used in the marker comments of a generated Dockerfile, in build order. */
export const SECTIONS = ['base', 'system', 'jupyter', 'datascience', 'usecases', 'pip', 'user'] as const;
export type SectionId = (typeof SECTIONS)[number];

/** What each phase is for, in words a student understands (the --guided explanations). */
export const PHASE_HELP: Record<SectionId, string> = {
  base:
    'The base image: the operating system, CUDA and a deep-learning framework. Pick the framework you ' +
    'use; everything else is added on top of it.',
  system:
    'System (apt) packages: libraries and tools from the Linux distribution, e.g. libgl1 for OpenCV or ' +
    'ffmpeg for video. Most projects need none.',
  jupyter: 'JupyterLab, so you can run notebooks inside the container and open them over an SSH tunnel.',
  datascience: 'The usual data-science stack: numpy, pandas, scipy, scikit-learn, matplotlib, seaborn.',
  usecases: 'Packages for a field of work (computer vision, NLP, RL, LLMs, …). Pick any that fit.',
  pip:
    'Any other Python packages, with versions if you need them (torch==2.5.1, transformers>=4.40), or ' +
    'read from a requirements.txt.',
  user:
    'Your account inside the image (same name, uid and gid as on the server), so files you create in ' +
    '/workspace are yours and the container starts with a home directory.',
};
