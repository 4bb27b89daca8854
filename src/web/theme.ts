/**
 * PrimeVue's Aura theme, cut down to the components the app uses (the full preset carries tokens for
 * ~90 components, 14 KB gzipped on the dialer route), with a darker primary shade: Aura's emerald-500
 * under white text fails WCAG AA contrast, emerald-700 passes (5.5:1).
 * Using a new PrimeVue component? Add its tokens here, or it renders unstyled.
 */
import { definePreset } from '@primeuix/themes';
import base from '@primeuix/themes/aura/base';
import button from '@primeuix/themes/aura/button';
import checkbox from '@primeuix/themes/aura/checkbox';
import datatable from '@primeuix/themes/aura/datatable';
import datepicker from '@primeuix/themes/aura/datepicker';
import dialog from '@primeuix/themes/aura/dialog';
import iconfield from '@primeuix/themes/aura/iconfield';
import inputnumber from '@primeuix/themes/aura/inputnumber';
import inputtext from '@primeuix/themes/aura/inputtext';
import message from '@primeuix/themes/aura/message';
import paginator from '@primeuix/themes/aura/paginator';
import password from '@primeuix/themes/aura/password';
import progressbar from '@primeuix/themes/aura/progressbar';
import radiobutton from '@primeuix/themes/aura/radiobutton';
import select from '@primeuix/themes/aura/select';
import selectbutton from '@primeuix/themes/aura/selectbutton';
import tag from '@primeuix/themes/aura/tag';
import textarea from '@primeuix/themes/aura/textarea';
import toast from '@primeuix/themes/aura/toast';
import togglebutton from '@primeuix/themes/aura/togglebutton';
import toggleswitch from '@primeuix/themes/aura/toggleswitch';
import virtualscroller from '@primeuix/themes/aura/virtualscroller';

const emerald = Object.fromEntries(
  [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950].map((shade) => [shade, `{emerald.${shade}}`]),
);

export const DialerTheme = definePreset(
  {
    ...base,
    components: {
      button,
      checkbox,
      datatable,
      datepicker,
      dialog,
      iconfield,
      inputnumber,
      inputtext,
      message,
      paginator,
      password,
      progressbar,
      radiobutton,
      select,
      selectbutton,
      tag,
      textarea,
      toast,
      togglebutton,
      toggleswitch,
      virtualscroller,
    },
  },
  {
    semantic: {
      primary: emerald,
      colorScheme: {
        light: {
          primary: {
            color: '{primary.700}',
            contrastColor: '#ffffff',
            hoverColor: '{primary.800}',
            activeColor: '{primary.900}',
          },
          highlight: {
            background: '{primary.50}',
            focusBackground: '{primary.100}',
            color: '{primary.800}',
            focusColor: '{primary.900}',
          },
        },
      },
    },
  },
);
