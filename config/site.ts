export const siteConfig = {
  name: 'Foresight',
  description: 'Write, test and deploy analysis plugins on a live Heka message stream.',
};
